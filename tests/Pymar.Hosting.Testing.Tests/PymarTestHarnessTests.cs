using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Events;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Testing.Tests;

/// <summary>A user's test of a producer, as the testing package's README shows it: no broker, no polling.</summary>
public sealed class PymarTestHarnessTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AJobRunThroughTheHarnessAnswersAndItsSlicesAndEndAreAwaitable()
    {
        using var host = await StartAsync(p => p.AddProducer<SquaresProducer>().AddDataSource<OneToHundred>().AddWorkers().UseTestHarness());
        var client = host.Services.GetRequiredService<ProducerClient>();
        var harness = host.Services.GetRequiredService<PymarTestHarness>();
        using var deadline = new CancellationTokenSource(s_deadline);

        var sum = await client.MapAsync(new SquaresProducer(), DataSourceFactory<long>.For<OneToHundred>(), new MapOptions { SliceCount = 4 }, deadline.Token);
        var finished = await harness.WhenJobFinishedAsync(null, deadline.Token);
        await harness.WhenSlicesCompletedAsync(4, deadline.Token);

        Assert.Equal(338_350, sum);
        Assert.Equal((PymarEventKinds.JobFinished, nameof(SquaresProducer), 4), (finished.Kind, finished.Producer, finished.SliceCount));
        Assert.Equal(4, harness.Events.ForJob(finished.JobId!).Count(e => e.Kind == PymarEventKinds.SliceFinished));
        Assert.Empty(harness.DeadLetters);
    }

    [Fact]
    public async Task ASliceWithAMalformedBodyEndsInTheDeadLetters()
    {
        using var host = await StartAsync(p => p.AddProducer<SquaresProducer>().AddDataSource<OneToHundred>().AddWorkers().UseTestHarness());
        var harness = host.Services.GetRequiredService<PymarTestHarness>();
        var transport = host.Services.GetRequiredService<IPymarTransport>();
        using var deadline = new CancellationTokenSource(s_deadline);

        await transport.PublishSliceAsync(nameof(SquaresProducer), Encoding.UTF8.GetBytes("not a slice"), new SliceMessageProperties("job:0", "nowhere", null), deadline.Token);
        await harness.WhenDeadLetteredAsync(1, deadline.Token);

        var deadLetter = Assert.Single(harness.DeadLetters);
        Assert.Equal(nameof(SquaresProducer), deadLetter.Queue);
        Assert.Equal("not a slice", Encoding.UTF8.GetString(deadLetter.Body.Span));
        Assert.False(string.IsNullOrEmpty(deadLetter.Reason));
    }

    [Fact]
    public async Task AWaitWhoseTokenIsCancelledThrowsOperationCanceled()
    {
        using var host = await StartAsync(p => p.AddProducer<SquaresProducer>().AddDataSource<OneToHundred>().UseTestHarness());
        var harness = host.Services.GetRequiredService<PymarTestHarness>();
        using var cancel = new CancellationTokenSource();

        var waiting = harness.WhenDeadLetteredAsync(1, cancel.Token);
        var ending = harness.WhenJobFinishedAsync("no-such-job", cancel.Token);
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ending);
    }

    [Fact]
    public async Task AProducerHostAndAWorkerHostSharingOneBrokerAnswerTheJob()
    {
        var broker = new InProcessBroker();
        using var workers = await StartAsync(p => p.AddProducer<SquaresProducer>().AddDataSource<OneToHundred>().AddWorkers().UseTestHarness(broker));
        using var producer = await StartAsync(p => p.AddProducer<SquaresProducer>().AddDataSource<OneToHundred>().UseTestHarness(broker));
        using var deadline = new CancellationTokenSource(s_deadline);

        var sum = await producer.Services.GetRequiredService<ProducerClient>()
            .MapAsync(new SquaresProducer(), DataSourceFactory<long>.For<OneToHundred>(), new MapOptions { SliceCount = 5 }, deadline.Token);
        await workers.Services.GetRequiredService<PymarTestHarness>().WhenSlicesCompletedAsync(5, deadline.Token);

        Assert.Equal(338_350, sum);
        Assert.Same(broker, workers.Services.GetRequiredService<PymarTestHarness>().Broker);
    }

    private static async Task<IHost> StartAsync(Action<IPymarBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure(builder.Services.AddPymar());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The squares of its items, summed.</summary>
    public sealed class SquaresProducer : Producer<long, long>
    {
        public override IEnumerable<long> Map(IEnumerable<long> items) => items.Select(x => x * x);

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    /// <summary>The numbers 1 to 100.</summary>
    public sealed class OneToHundred : DataSource<long>
    {
        public override long GetLength() => 100;

        public override IEnumerable<long> Read(SliceWindow window)
        {
            for (var i = window.Offset; i < window.End; i++)
            {
                yield return i + 1;
            }
        }
    }
}
