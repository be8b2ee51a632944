using System.Globalization;
using Pymar.Hosting.Cluster.Tests.Support;

namespace Pymar.Hosting.Cluster.Tests;

/// <summary>Three worker hosts on their own addresses, each connected to a different node.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", ClusterCollection.Category)]
public sealed class AcrossHostsTests(ClusterFixture cluster) : IAsyncLifetime
{
    private readonly ClusterScope _scope = new(cluster);

    // The example, its producer, its slices (word-count has six documents: at most six slices) and Python's answer.
    private static readonly (string Example, string Producer, int Slices, string Answer)[] s_jobs =
    [
        ("integrate", "IntegrationProducer", 12, "22023.7365"),
        ("squared-sum", "SquaredSumProducer", 12, "333333283333335000000"),
        ("word-count", "WordCountProducer", 6, "one 6, two 5, three 4, four 3, five 2, six 1"),
    ];

    [Fact]
    public async Task ThreeWorkerHostsOnThreeNodesAnswerEveryExampleExactlyAndEachComputesSlices()
    {
        var workers = await Task.WhenAll(
            _scope.StartExamplesWorkerAsync("w1", node: 1),
            _scope.StartExamplesWorkerAsync("w2", node: 2),
            _scope.StartExamplesWorkerAsync("w3", node: 3));

        var done = workers.ToDictionary(w => w, _ => 0);
        foreach (var (example, producer, count, answer) in s_jobs)
        {
            // The producer runs in the test's namespace, over the bridge, on node 1.
            var run = _scope.StartHere($"{example} producer", ChildPrograms.Examples, [example, "--producer-only", "--slices", count.ToString(CultureInfo.InvariantCulture), "--timeout", "120"], node: 1);
            var code = await run.WaitForExitAsync(ClusterScope.JobDeadline);
            Assert.True(code == 0, $"{example} failed.\n{run.Describe()}");
            Assert.Contains($"{example}: {answer}", run.Lines);

            var slices = workers.Select(w => w.Lines.Count(l => l.Contains($"({producer}) done in ", StringComparison.Ordinal))).ToList();
            Assert.True(slices.Sum() == count, $"{example}: the three hosts should have computed its {count} slices between them, not {string.Join(" + ", slices)}.");
            for (var i = 0; i < workers.Length; i++)
            {
                done[workers[i]] += slices[i];
            }
        }

        foreach (var (worker, count) in done)
        {
            Assert.True(count > 0, $"{worker.Name} computed no slice of the three jobs.\n{worker.Describe()}");
        }

        // Where each worker host is: its own address, not the test's.
        var addresses = await Task.WhenAll(new[] { "w1", "w2", "w3" }.Select(h => Shell.RunCheckedAsync(ChildPrograms.ClusterScript("host.sh"), [h, "address"], TimeSpan.FromSeconds(30))));
        Assert.Equal(3, addresses.Select(a => a.Trim()).Distinct().Count(a => a.StartsWith(TestCluster.Network + ".", StringComparison.Ordinal)));

        // Every work queue is a quorum queue with a member on each of the three nodes, and holds no leftover message once
        // the workers have taken and dropped the copies the producer sent of slices it was slow to hear from (stragglers).
        var queues = await Eventually.ReadAsync(
            () => cluster.QueuesAsync(1, _scope.Prefix),
            found => found.Where(q => q.Name.StartsWith(_scope.Prefix, StringComparison.Ordinal)).All(q => q.Messages == 0),
            TimeSpan.FromSeconds(30),
            "the work queues to hold no leftover message",
            TimeSpan.FromMilliseconds(500));
        foreach (var (_, producer, _, _) in s_jobs)
        {
            var queue = Assert.Single(queues, q => q.Name == _scope.Prefix + producer);
            Assert.Equal("quorum", queue.Type);
            foreach (var node in new[] { 1, 2, 3 })
            {
                Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"rabbit@{ClusterFixture.NodeAddress(node)}"), queue.Members, StringComparison.Ordinal);
            }

            Assert.Equal(0, queue.Messages);
        }
    }

    public Task InitializeAsync() => cluster.EnsureThreeNodesAsync();

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
