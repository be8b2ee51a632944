using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;
using Pymar.Hosting.RabbitMq.Tests.Support;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests.Events;

/// <summary>The events exchange on the real broker (deploy/rabbitmq/start-local.sh, 127.0.0.1:5672).</summary>
[Collection(BrokerCollection.Name)]
public sealed class RabbitMqEventBusTests : IAsyncLifetime
{
    private const string BrokerUri = "amqp://guest:guest@127.0.0.1:5672/";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private IHost? _host;

    private IHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddPymar().UseRabbitMqEvents(o => o.Uri = BrokerUri);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    [Fact]
    public async Task PublishedEventsReachASubscriberStampedWithTheSender()
    {
        var bus = Host.Services.GetRequiredService<IPymarEventBus>();
        var publisher = Host.Services.GetRequiredService<IPymarEventPublisher>();
        var recorder = new PymarEventRecorder();
        var jobId = Guid.NewGuid().ToString("N");
        await using (await bus.SubscribeAsync(recorder))
        {
            Assert.True(publisher.JobStarted(jobId, "SquaredSum", 2));
            Assert.True(publisher.SliceFinished(jobId, "SquaredSum", 0, 1, 0, TimeSpan.FromMilliseconds(12)));
            Assert.True(publisher.SliceFailed(jobId, "SquaredSum", 1, 1, 1, TimeSpan.FromMilliseconds(3), "InvalidOperationException: boom"));

            await Eventually.HoldsAsync(() => recorder.ForJob(jobId).Count == 3, s_timeout, "three events of the job");
        }

        var events = recorder.ForJob(jobId);
        Assert.Equal([PymarEventKinds.JobStarted, PymarEventKinds.SliceFinished, PymarEventKinds.SliceFailed], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal($"{Environment.MachineName}/{Environment.ProcessId}", e.Worker));
        Assert.All(events, e => Assert.NotEqual(default, e.Time));
        Assert.Equal(12, events[1].DurationMs);
        Assert.Equal("InvalidOperationException: boom", events[2].Error);
    }

    [Fact]
    public async Task ABatchTravelsAsOneMessageAndReachesASubscriberAsItsEventsInOrder()
    {
        var bus = Host.Services.GetRequiredService<IPymarEventBus>();
        var recorder = new PymarEventRecorder();
        var jobId = Guid.NewGuid().ToString("N");
        var sent = Enumerable.Range(0, 600).Select(i => new PymarEvent
        {
            Kind = i % 2 == 0 ? PymarEventKinds.SliceStarted : PymarEventKinds.SliceFinished,
            Time = DateTimeOffset.UnixEpoch.AddMilliseconds(i),
            Worker = "node1/4711",
            JobId = jobId,
            SliceIndex = i / 2,
            Attempt = 1,
            DurationMs = i % 2 == 0 ? null : 1.5,
        }).ToList();
        await using (await bus.SubscribeAsync(recorder))
        {
            await bus.PublishBatchAsync(sent);
            await Eventually.HoldsAsync(() => recorder.ForJob(jobId).Count == sent.Count, s_timeout, "the batch's 600 events");
        }

        Assert.Equal(sent, recorder.ForJob(jobId));
    }

    [Fact]
    public async Task GarbageOnTheExchangeIsCountedAndEventsAfterItStillArrive()
    {
        var bus = Host.Services.GetRequiredService<IPymarEventBus>();
        var recorder = new PymarEventRecorder();
        var jobId = Guid.NewGuid().ToString("N");
        await using (await bus.SubscribeAsync(recorder))
        {
            var factory = new ConnectionFactory { Uri = new Uri(BrokerUri) };
            await using (var connection = await factory.CreateConnectionAsync())
            await using (var channel = await connection.CreateChannelAsync())
            {
                foreach (var garbage in new[] { "not json", "{\"kind\":\"nope\"}", "\u0000\u0001\u0002", "{\"kind\":\"slice.finished\",\"sliceIndex\":\"x\"}" })
                {
                    await channel.BasicPublishAsync("pymar.events", "slice.finished", Encoding.UTF8.GetBytes(garbage));
                }
            }

            await bus.PublishAsync(new PymarEvent { Kind = PymarEventKinds.JobStarted, JobId = jobId, Time = DateTimeOffset.UtcNow, SliceCount = 1 });
            await Eventually.HoldsAsync(() => recorder.ForJob(jobId).Count == 1, s_timeout, "the event after the garbage");
        }

        // Other tests may publish garbage on the shared exchange too, so at least the four sent here.
        Assert.True(recorder.Malformed >= 4, $"malformed: {recorder.Malformed}");
    }

    [Fact]
    public async Task EventsOffMakesPublishingANoOp()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration["Pymar:Events:Enabled"] = "false";
        builder.Services.AddPymar(builder.Configuration).UseRabbitMqEvents(o => o.Uri = BrokerUri);
        using var host = builder.Build();

        var publisher = host.Services.GetRequiredService<IPymarEventPublisher>();
        Assert.False(publisher.IsEnabled);
        Assert.False(publisher.SliceStarted("job", "SquaredSum", 0, 1, 0));
    }
}
