extern alias examples;

using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The producer's connection is lost, recovers, and is lost again while the producer publishes its unanswered slices
/// once more (as when the broker closes every connection of a cluster node by node): it recovers again.
/// RabbitMQ.Client ignores a loss that comes while its recovery is still running, and counts the recovery as running
/// until every handler of its recovery event has returned.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RepeatedConnectionLossTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string Squares = "SquaredSumProducer";
    private readonly BrokerScope _scope = broker.NewScope();
    private ProducerHost? _host;

    [Fact]
    public async Task AConnectionLostAgainWhileTheProducerPublishesItsUnansweredSlicesAgainRecoversAndTheJobIsExact()
    {
        await using var proxy = new StallingProxy(5672);
        var logs = new CapturedLogs();
        var configuration = _scope.Configuration($"amqp://guest:guest@127.0.0.1:{proxy.Port}/");
        var host = await ExampleHosts.StartAsync(configuration, logs);
        _host = host;

        // No worker yet: every slice stays unanswered, so after each loss all of them are published again.
        var job = host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 20_000, Timeout = BrokerScope.JobDeadline });
        await Eventually.HoldsAsync(() => logs.Lines.Any(l => l.Contains("[2000] ", StringComparison.Ordinal)) || job.IsCompleted, BrokerScope.JobDeadline, "the job's slices to be published");
        proxy.CutAll();
        await Eventually.HoldsAsync(() => logs.Lines.Any(l => l.Contains("asking again for the unanswered slices of 1 job(s)", StringComparison.Ordinal)) || job.IsCompleted, BrokerScope.JobDeadline, "the producer to recover and publish again");
        proxy.CutAll();

        // It recovers again (a worker started before would find no reply queue for the slices in the queue and
        // dead-letter them, unanswered: they are published again after the recovery).
        await Eventually.HoldsAsync(() => logs.Lines.Count(l => l.Contains("Recovered the connection to RabbitMQ", StringComparison.Ordinal)) == 2 || job.IsCompleted, BrokerScope.JobDeadline, "the second recovery");
        await _scope.StartWorkerAsync("worker", concurrency: 4);
        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await job);
        // The copies published after each loss that the job no longer needs: the worker drops them.
        await Eventually.ReadAsync(() => broker.ReadyMessagesAsync(_scope.WorkQueue(Squares)), waiting => waiting == 0, BrokerScope.JobDeadline, "the worker to drop the copies of answered slices");
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
