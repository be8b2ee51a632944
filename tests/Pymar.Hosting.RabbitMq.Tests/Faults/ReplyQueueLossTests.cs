using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// A producer's reply queue deleted by an operator while a job runs (<c>rabbitmqctl delete_queue</c>; the queue is
/// exclusive, so nothing else but a lost node deletes it): the producer declares it again, asks again for the slices
/// whose answers went nowhere, and the job ends with the exact answer.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ReplyQueueLossTests(BrokerFixture broker) : IAsyncLifetime
{
    // 24 slices of 2 s on 2 slots: about 24 s, long enough for rabbitmqctl to delete the queue mid-job.
    private const int Slices = 24;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AReplyQueueDeletedMidJobIsDeclaredAgainAndTheJobEndsWithTheExactAnswer()
    {
        var worker = await _scope.StartWorkerAsync("worker", concurrency: 2, sliceMilliseconds: 2000);
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", $"{Slices}", "--count", "1000");
        await Eventually.HoldsAsync(() => Done(worker, SlowSum).Count >= 2, BrokerScope.StartDeadline, "the first slices to be answered");

        // The producer logs its reply queue (debug); rabbitmqctl list_queues is too slow on a busy machine to find it mid-job.
        var opened = await producer.WaitForLineAsync(l => l.Contains("Consuming replies on " + _scope.Prefix + "reply.", StringComparison.Ordinal), BrokerScope.StartDeadline, "its reply queue");
        var replyQueue = opened[(opened.IndexOf("Consuming replies on ", StringComparison.Ordinal) + "Consuming replies on ".Length)..].Trim();
        await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "delete_queue", replyQueue);
        Assert.False(producer.HasExited, $"The job ended before its reply queue was deleted.\n{producer.Describe()}");
        Assert.True(Done(worker, SlowSum).Count < Slices, "Every slice was done before the reply queue was deleted.");

        await AssertAnswersAsync(producer, SlowSumAnswer(1000), s_deadline);
        Assert.Contains(producer.Lines, l => l.Contains($"The reply queue {replyQueue} was deleted", StringComparison.Ordinal));
        Assert.Contains(producer.Lines, l => l.Contains($"Declared the reply queue {replyQueue} again", StringComparison.Ordinal));
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
