using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Two ProducerClients in two processes, one producer, shared workers.</summary>
[Collection(BrokerCollection.Name)]
public sealed class ConcurrentProducersTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task TwoProducerProcessesRunningJobsOfTheSameProducerAtOnceEachGetTheirOwnExactAnswer()
    {
        // Different sizes, so a partial folded into the wrong job would change its answer.
        var small = _scope.StartProducer("producer of 1..1000", "slow-sum", "--slices", "8", "--count", "1000");
        var large = _scope.StartProducer("producer of 1..2000", "slow-sum", "--slices", "8", "--count", "2000");
        var smallJob = JobId(await small.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that its job was published"));
        var largeJob = JobId(await large.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that its job was published"));

        await Eventually.ReadAsync(() => broker.ReadyMessagesAsync(_scope.WorkQueue(SlowSum)), n => n == 16, TimeSpan.FromSeconds(30), "the 16 slices of both jobs to wait in the work queue");

        // Both jobs now wait in the same work queue; the shared workers take their slices interleaved.
        var workers = new[]
        {
            _scope.StartWorker("worker A", concurrency: 2, sliceMilliseconds: 100),
            _scope.StartWorker("worker B", concurrency: 2, sliceMilliseconds: 100),
        };

        await Task.WhenAll(AssertAnswersAsync(small, "500500", BrokerScope.JobDeadline), AssertAnswersAsync(large, "2001000", BrokerScope.JobDeadline));
        await _scope.StopAllAsync();
        foreach (var producer in new[] { small, large })
        {
            Assert.False(producer.Lines.Any(l => l.Contains("Ignored a reply", StringComparison.Ordinal)), $"{producer.Name} saw a reply that was not its own.\n{producer.Describe()}");
        }

        var jobs = workers.SelectMany(w => Done(w, SlowSum)).GroupBy(JobId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(8, jobs.GetValueOrDefault(smallJob));
        Assert.Equal(8, jobs.GetValueOrDefault(largeJob));
        Assert.Equal(2, jobs.Count);
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
