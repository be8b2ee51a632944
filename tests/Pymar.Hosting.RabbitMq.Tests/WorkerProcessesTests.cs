using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Worker processes share jobs, come late, and die in the middle of a slice.</summary>
[Collection(BrokerCollection.Name)]
public sealed class WorkerProcessesTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task TwoWorkerProcessesShareOneJobOf16SlicesAndTheAnswerIsExact()
    {
        var a = await _scope.StartWorkerAsync("worker A", concurrency: 1, sliceMilliseconds: 150);
        var b = await _scope.StartWorkerAsync("worker B", concurrency: 1, sliceMilliseconds: 150);

        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "16", "--count", "1600");

        await AssertAnswersAsync(producer, "1280800", BrokerScope.JobDeadline);
        await _scope.StopAllAsync();
        var doneA = Done(a, SlowSum).Count;
        var doneB = Done(b, SlowSum).Count;
        Assert.True(doneA > 0 && doneB > 0, $"Both worker processes should have computed slices (A: {doneA}, B: {doneB}).\n{a.Describe()}\n{b.Describe()}");
        Assert.Equal(16, doneA + doneB);
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    [Fact]
    public async Task AJobPublishedWithNoWorkerRunningIsCompletedByAWorkerStartedAfterwards()
    {
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "4", "--count", "1000");
        await producer.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that its job was published");
        await Eventually.ReadAsync(() => broker.ReadyMessagesAsync(_scope.WorkQueue(SlowSum)), n => n == 4, TimeSpan.FromSeconds(10), "the 4 slices to wait in the work queue");
        Assert.False(producer.HasExited, producer.Describe());

        var worker = await _scope.StartWorkerAsync("late worker", concurrency: 2);

        await AssertAnswersAsync(producer, "500500", BrokerScope.JobDeadline);
        await _scope.StopAllAsync();
        Assert.Equal(4, Done(worker, SlowSum).Count);
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    [Fact]
    public async Task ASliceOfAWorkerKilledInTheMiddleOfItIsRedoneByASecondWorkerAndTheAnswerIsExact()
    {
        var doomed = await _scope.StartWorkerAsync("worker A (killed)", concurrency: 1, sliceMilliseconds: 3000);
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "4", "--count", "1000");
        var started = await doomed.WaitForLineAsync(l => IsStarted(l, SlowSum), BrokerScope.JobDeadline, "that a slice started");

        doomed.Kill();
        await doomed.WaitForExitAsync(BrokerScope.ExitDeadline);
        Assert.True(Done(doomed, SlowSum).Count == 0, $"Worker A should have died inside its first slice.\n{doomed.Describe()}");
        var slice = SliceIndex(started);

        var survivor = await _scope.StartWorkerAsync("worker B", concurrency: 2, sliceMilliseconds: 50);

        await AssertAnswersAsync(producer, "500500", BrokerScope.JobDeadline);
        await _scope.StopAllAsync();
        Assert.True(Done(survivor, SlowSum).Count == 4, $"Worker B should have computed all 4 slices.\n{survivor.Describe()}");
        Assert.True(
            survivor.Lines.Any(l => IsStarted(l, SlowSum) && l.Contains($"Slice {slice} ", StringComparison.Ordinal) && l.Contains("(redelivered)", StringComparison.Ordinal)),
            $"Worker B should have received slice {slice} as a redelivery.\n{survivor.Describe()}");
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
