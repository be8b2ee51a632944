using System.Diagnostics;
using Pymar.Hosting.Cluster.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.Cluster.Tests;

/// <summary>The node that holds the job queue's quorum leader dies mid-job.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", ClusterCollection.Category)]
public sealed class QueueLeaderLossTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterScope _scope = new(cluster);

    [Fact]
    public async Task KillingTheNodeOfTheWorkQueuesLeaderMidJobElectsANewLeaderAndTheAnswerIsExact()
    {
        // Workers on every node; they declare the work queue, whose leader the cluster places.
        var workers = await Task.WhenAll(
            _scope.StartSlowWorkerAsync("w1", node: 1, slots: 1, sliceMilliseconds: 300),
            _scope.StartSlowWorkerAsync("w2", node: 2, slots: 1, sliceMilliseconds: 300),
            _scope.StartSlowWorkerAsync("w3", node: 3, slots: 1, sliceMilliseconds: 300));
        var queueName = _scope.Prefix + SlowSum;
        var queue = Assert.Single(await cluster.QueuesAsync(1, _scope.Prefix), q => q.Name == queueName);
        var leader = LeaderNode(queue.Leader);
        var other = new[] { 1, 2, 3 }.First(n => n != leader);

        // The producer is on another node than the leader's: this test is about the queue, test 2 about the producer.
        const int Slices = 30;
        const long Count = 3000;
        var producer = _scope.StartSlowSumProducer(node: other, Slices, Count, timeoutSeconds: 90);
        await Eventually.ReadAsync(() => Task.FromResult(workers.Sum(w => Done(w, SlowSum).Count)), n => n >= 3, ClusterScope.JobDeadline, "three slices to be done");
        await cluster.NodeAsync(leader, "kill");
        var killed = Stopwatch.StartNew();
        var doneAtKill = workers.Sum(w => Done(w, SlowSum).Count);
        Assert.False(producer.HasExited, $"The job should still run when the leader's node is killed.\n{producer.Describe()}");
        Assert.True(doneAtKill < Slices, $"Only part of the job should be done when the leader's node is killed ({doneAtKill} of {Slices}).");

        var newLeader = await Eventually.ReadAsync(
            async () => (await cluster.QueuesAsync(other, _scope.Prefix)).FirstOrDefault(q => q.Name == queueName)?.Leader ?? "",
            l => l.StartsWith("rabbit@", StringComparison.Ordinal) && LeaderNode(l) != leader,
            TimeSpan.FromSeconds(60),
            "a new leader of the work queue");
        var elected = killed.Elapsed;

        // An exact sum: no slice counted twice, none lost.
        await AssertAnswersAsync(producer, SlowSumAnswer(Count), ClusterScope.JobDeadline);
        output.WriteLine($"leader {queue.Leader} killed with {doneAtKill} of {Slices} slices done; new leader {newLeader} seen after {elected.TotalSeconds:0.0} s; the job answered {killed.Elapsed.TotalSeconds:0.0} s after the kill");
    }

    public Task InitializeAsync() => cluster.EnsureThreeNodesAsync();

    public async Task DisposeAsync()
    {
        await _scope.KillAllAsync();
        await cluster.EnsureThreeNodesAsync();
        await _scope.DisposeAsync();
    }

    private static int LeaderNode(string leader) => int.Parse(leader[(leader.LastIndexOf('.') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
