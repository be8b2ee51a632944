using System.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>A worker told to stop (SIGTERM, or a service stop) drains instead of dropping work.</summary>
[Collection(BrokerCollection.Name)]
public sealed class GracefulShutdownTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task ASigtermedWorkerFinishesItsRunningSliceReturnsTheRestAndExitsZero()
    {
        var first = await _scope.StartWorkerAsync("worker A", concurrency: 2, sliceMilliseconds: 1500);
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "8", "--count", "800");
        await first.WaitForLineAsync(l => IsStarted(l, SlowSum), BrokerScope.StartDeadline, "worker A to be inside a slice");
        var second = await _scope.StartWorkerAsync("worker B", concurrency: 2, sliceMilliseconds: 1500);

        var watch = Stopwatch.StartNew();
        var code = await first.StopAsync(BrokerScope.ExitDeadline);

        Assert.Equal(0, code);
        Assert.True(watch.Elapsed < BrokerScope.ExitDeadline, $"worker A took {watch.Elapsed} to stop");
        Assert.True(Done(first, SlowSum).Count >= 1, $"worker A should have finished the slice it was running.\n{first.Describe()}");
        Assert.Contains(first.Lines, l => l.Contains("stopping: no new slices", StringComparison.Ordinal));
        await AssertAnswersAsync(producer, "320400", BrokerScope.JobDeadline);
        await _scope.StopAllAsync();
        Assert.Equal(8, Done(first, SlowSum).Count + Done(second, SlowSum).Count);
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
