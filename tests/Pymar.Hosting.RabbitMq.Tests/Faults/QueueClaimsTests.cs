extern alias examples;

using System.Text.RegularExpressions;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>What the README promises about the work queues: a worker can purge them on start, and a slice the broker does not confirm is not sent.</summary>
[Collection(BrokerCollection.Name)]
public sealed class QueueClaimsTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string Producer = "WordCountProducer";
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AWorkerStartedWithPurgeDropsTheWaitingSlicesBeforeItConsumes()
    {
        // A job with no worker times out and leaves its four slices in the queue.
        await using (var host = await _scope.StartProducerHostAsync(new CapturedLogs()))
        {
            await Assert.ThrowsAsync<MapTimeoutException>(() => host.RunExampleAsync("word-count", new MapOptions { SliceCount = 4, Timeout = TimeSpan.FromSeconds(2) }));
        }

        var queue = _scope.WorkQueue(Producer);
        Assert.Equal(4u, await broker.ReadyMessagesAsync(queue));

        var worker = _scope.StartWorker("worker", concurrency: 1, extraEnvironment: new Dictionary<string, string> { ["Pymar__Worker__PurgeOnStart"] = "true" });
        var purged = await worker.WaitForLineAsync("Purged ", BrokerScope.StartDeadline);
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);

        Assert.Contains("Purged 4 waiting slice(s)", purged, StringComparison.Ordinal);
        Assert.Equal(0u, await broker.ReadyMessagesAsync(queue));
        Assert.DoesNotContain(worker.Lines, l => SliceLines.IsStarted(l, Producer) || l.Contains($"({Producer}) dropped", StringComparison.Ordinal));
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(Producer);
    }

    [Fact]
    public async Task ASliceTheBrokerRejectsFailsThePublishAndIsNotCountedAsSent()
    {
        // A policy on this test's work queue alone: no message fits, and a publish that does not fit is nacked. A classic
        // queue applies the limit to every publish (a quorum queue only once it sees itself full, so a burst gets in).
        var queue = _scope.WorkQueue(Producer);
        var policy = "pymar-test-reject-" + Guid.NewGuid().ToString("N");
        await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "set_policy", "--apply-to", "queues", policy, "^" + Regex.Escape(queue) + "$", """{"max-length":0,"overflow":"reject-publish"}""");
        try
        {
            var logs = new CapturedLogs();
            var configuration = _scope.Configuration();
            configuration["Pymar:Broker:QueueType"] = "classic";
            await using (var host = await ExampleHosts.StartAsync(configuration, logs))
            {
                var error = await Assert.ThrowsAnyAsync<PymarException>(() => host.RunExampleAsync("word-count", new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline }));

                Assert.Contains($"did not confirm a message to queue '{queue}'", error.ToString(), StringComparison.Ordinal);
                Assert.Contains(logs.Lines, l => l.Contains($"nacked a message to queue {queue}", StringComparison.Ordinal));
            }

            Assert.Equal(0u, await broker.ReadyMessagesAsync(queue));
        }
        finally
        {
            await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "clear_policy", policy);
        }

        await _scope.AssertNothingLeftAsync(Producer);
    }

    [Fact]
    public async Task ASliceNackedForSecondsIsPublishedAgainUntilTheBrokerTakesItAndTheAnswerIsExact()
    {
        // A quorum queue nacks while it elects a new leader after its node died, for seconds on a loaded cluster. The
        // same refusal, placed and lifted at will: a policy on this test's work queue that nacks every publish.
        const string Squares = "SquaredSumProducer";
        var queue = _scope.WorkQueue(Squares);
        var classic = new Dictionary<string, string> { ["Pymar__Broker__QueueType"] = "classic" };
        var worker = _scope.StartWorker("worker", concurrency: 2, extraEnvironment: classic);
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);
        var policy = "pymar-test-reject-" + Guid.NewGuid().ToString("N");
        await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "set_policy", "--apply-to", "queues", policy, "^" + Regex.Escape(queue) + "$", """{"max-length":0,"overflow":"reject-publish"}""");
        var cleared = false;
        try
        {
            var logs = new CapturedLogs();
            var configuration = _scope.Configuration();
            configuration["Pymar:Broker:QueueType"] = "classic";
            await using var host = await ExampleHosts.StartAsync(configuration, logs);
            var job = host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline });

            // The fifth attempt of one message: more than a second of nacks. Then the queue takes messages again.
            await Eventually.HoldsAsync(
                () => logs.Lines.Any(l => l.Contains($"nacked a message to queue {queue} (attempt 5)", StringComparison.Ordinal)) || job.IsCompleted,
                BrokerScope.JobDeadline,
                "a fifth publish attempt of a nacked slice");
            Assert.False(job.IsCompleted, $"The job ended while its slices were nacked: {job.Exception?.InnerException?.Message ?? "answered"}");
            await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "clear_policy", policy);
            cleared = true;

            Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await job);
        }
        finally
        {
            if (!cleared)
            {
                await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "clear_policy", policy);
            }
        }

        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(Squares);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
