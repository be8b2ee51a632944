using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The broker closes a producer's publishing channel when one publish breaks a rule (here: to the control exchange,
/// deleted under it). Later publishes of that producer get a new channel, and what it declared is declared again.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ClosedPublishChannelTests(BrokerFixture broker) : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AfterTheBrokerClosedThePublishingChannelTheNextPublishesGoThrough()
    {
        await using var host = await _scope.StartProducerHostAsync(new CapturedLogs());
        var transport = host.Services.GetRequiredService<IPymarTransport>();
        await transport.PublishJobEndedAsync("first");
        await broker.DeleteExchangeAsync(_scope.Prefix + "control");

        // The broker closes the channel for this publish (404: no exchange), after the call returned.
        await transport.PublishJobEndedAsync("second");

        var properties = new SliceMessageProperties("job:0", _scope.Prefix + "reply.none", TimeSpan.FromMinutes(1));
        var watch = Stopwatch.StartNew();
        var published = 0;
        Exception? last = null;
        while (published < 3 && watch.Elapsed < s_deadline)
        {
            try
            {
                await transport.PublishSliceAsync("SquaredSumProducer", Encoding.UTF8.GetBytes("{}"), properties);
                published++;
            }
            catch (TransportUnavailableException ex)
            {
                last = ex;
                await Task.Delay(100);
            }
        }

        Assert.True(published == 3, $"published {published} of 3 slices in {s_deadline}; last error: {last?.Message}");
        Assert.Equal(3u, await broker.ReadyMessagesAsync(_scope.WorkQueue("SquaredSumProducer")));

        // The control exchange is declared again by the next job-ended publish.
        await transport.PublishJobEndedAsync("third");
        await using var raw = await RawBroker.ConnectAsync();
        await raw.Channel.ExchangeDeclarePassiveAsync(_scope.Prefix + "control");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
