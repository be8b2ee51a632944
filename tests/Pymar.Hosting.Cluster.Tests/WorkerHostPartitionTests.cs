using System.Diagnostics;
using Pymar.Hosting.Cluster.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.Cluster.Tests;

/// <summary>A worker host's link is cut while it is inside a slice.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", ClusterCollection.Category)]
public sealed class WorkerHostPartitionTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The heartbeat the programs are given (Pymar:Broker:Heartbeat) and the few seconds the redo may take beyond it.</summary>
    private static readonly TimeSpan s_redoDeadline = TimeSpan.FromSeconds((3 * 5) + 15);

    private readonly ClusterScope _scope = new(cluster);

    [Fact]
    public async Task TheSliceOfAPartitionedWorkerHostIsRedoneByAnotherHostAndTheAnswerIsExact()
    {
        // wa takes a slice and sits in it; wb, on another host and node, is quick. wb starts once wa is inside its
        // slice: a worker serving many producers' queues hands its few credits to the queues with work, so two workers
        // started together race for a 4-slice job and the quick one may take every slice.
        var cut = await _scope.StartSlowWorkerAsync("wa", node: 1, slots: 1, sliceMilliseconds: 20000);
        var producer = _scope.StartSlowSumProducer(node: 3, slices: 4, count: 400, timeoutSeconds: 120);
        var started = await cut.WaitForLineAsync(l => l.Contains($"({SlowSum}) started", StringComparison.Ordinal), ClusterScope.JobDeadline, "that a slice started");
        var other = await _scope.StartSlowWorkerAsync("wb", node: 2, slots: 2, sliceMilliseconds: 50);

        await Shell.RunCheckedAsync(ChildPrograms.ClusterScript("host.sh"), ["wa", "partition"], TimeSpan.FromSeconds(30));
        var partitioned = Stopwatch.StartNew();
        try
        {
            // Redone either way the producer's ledger allows: redelivered by the broker once wa's heartbeat lapses, or
            // copied earlier by the producer as a straggler.
            var slice = started[..started.IndexOf(" [", StringComparison.Ordinal)];
            slice = slice[slice.LastIndexOf("Slice ", StringComparison.Ordinal)..];
            var redone = await other.WaitForLineAsync(
                l => l.Contains(slice + " [", StringComparison.Ordinal) && l.Contains($"({SlowSum}) started", StringComparison.Ordinal),
                s_redoDeadline,
                $"the partitioned host's slice, redone (wa was in: {started})");
            output.WriteLine($"host wa partitioned inside a slice; the slice was redone on wb {partitioned.Elapsed.TotalSeconds:0.0} s later: {redone}");
            await AssertAnswersAsync(producer, SlowSumAnswer(400), ClusterScope.JobDeadline);
            output.WriteLine($"the job answered exactly {partitioned.Elapsed.TotalSeconds:0.0} s after the partition");
        }
        finally
        {
            // Healed, the cut host may still finish its slice: its late reply is a duplicate the finished job ignores.
            await Shell.RunCheckedAsync(ChildPrograms.ClusterScript("host.sh"), ["wa", "heal"], TimeSpan.FromSeconds(30));
        }

        Assert.Empty(Done(cut, SlowSum));
    }

    public Task InitializeAsync() => cluster.EnsureThreeNodesAsync();

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
