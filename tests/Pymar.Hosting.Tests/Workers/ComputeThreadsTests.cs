using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

/// <summary>Where a slice's computation runs: dedicated threads, or the thread pool for computations known to be short.</summary>
public sealed class ComputeThreadsTests
{
    [Fact]
    public async Task ComputationsRunOnDedicatedThreadsAndShortOnesOnTheThreadPool()
    {
        using var compute = new ComputeThreads(1, "test-compute", continueOnComputeThread: true);

        var dedicated = await compute.RunAsync(() => Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None);
        var pooled = await compute.RunShortAsync(() => Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None);

        Assert.False(dedicated);
        Assert.True(pooled);
    }

    [Fact]
    public async Task AShortComputationsErrorAndCancellationReachItsTask()
    {
        using var compute = new ComputeThreads(1, "test-compute", continueOnComputeThread: true);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => compute.RunShortAsync<int>(() => throw new InvalidOperationException("boom"), CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => compute.RunShortAsync(() => 1, cancelled.Token));

        using var cancelling = new CancellationTokenSource();
        var task = compute.RunShortAsync<int>(
            () =>
            {
                cancelling.Cancel();
                cancelling.Token.ThrowIfCancellationRequested();
                return 1;
            },
            cancelling.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(task.IsCanceled);
    }
}
