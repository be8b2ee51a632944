extern alias examples;

using System.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The producer's link to its broker node falls silent while a job waits for its answers (the node is cut off: no
/// packet passes, no socket closes). With the default heartbeat the producer notices in about 20 s, reconnects, asks
/// again for the unanswered slices and the answer is exact within the job's timeout of 45 s.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class SilentConnectionTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Squares = "SquaredSumProducer";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(45);
    private readonly BrokerScope _scope = broker.NewScope();
    private ProducerHost? _host;

    [Fact]
    public async Task AProducerWhoseLinkFallsSilentReconnectsAndItsJobIsExactWithinItsTimeout()
    {
        await using var proxy = new StallingProxy(5672);
        var logs = new CapturedLogs();
        var host = await ExampleHosts.StartAsync(_scope.Configuration($"amqp://guest:guest@127.0.0.1:{proxy.Port}/"), logs);
        _host = host;

        // No worker yet: the slices wait in the queue while the producer's link falls silent.
        var job = host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 200, Timeout = JobTimeout });
        await Eventually.HoldsAsync(() => logs.Lines.Any(l => l.Contains("[2000] ", StringComparison.Ordinal)) || job.IsCompleted, BrokerScope.JobDeadline, "the job's slices to be published");
        proxy.Silence();
        var silent = Stopwatch.StartNew();

        // The worker answers into a reply queue the producer no longer hears from; the producer must notice the silent
        // link, reconnect (through the proxy, which passes new connections) and ask again.
        await _scope.StartWorkerAsync("worker", concurrency: 4);
        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await job);
        output.WriteLine($"answered {silent.Elapsed.TotalSeconds:0.0} s after the link fell silent");
        Assert.Contains(logs.Lines, l => l.Contains("Recovered the connection to RabbitMQ", StringComparison.Ordinal));
        await host.DisposeAsync();
        _host = null;

        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(Squares);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _scope.DisposeAsync();
    }
}
