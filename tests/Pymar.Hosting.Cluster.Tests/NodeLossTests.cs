using System.Diagnostics;
using Pymar.Hosting.Cluster.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.Cluster.Tests;

/// <summary>A node dies under a job, a node rejoins, and two of three nodes are down.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", ClusterCollection.Category)]
public sealed class NodeLossTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterScope _scope = new(cluster);

    [Fact]
    public async Task KillingTheNodeOfTheProducerMidJobLeavesTheAnswerExact()
    {
        var workers = await Task.WhenAll(
            _scope.StartSlowWorkerAsync("w1", node: 1, slots: 1, sliceMilliseconds: 300),
            _scope.StartSlowWorkerAsync("w2", node: 2, slots: 1, sliceMilliseconds: 300),
            _scope.StartSlowWorkerAsync("w3", node: 3, slots: 1, sliceMilliseconds: 300));
        const int Slices = 30;
        const long Count = 3000;
        var producer = _scope.StartSlowSumProducer(node: 1, Slices, Count, timeoutSeconds: 60);

        // Mid-job: some slices are done, not all, and the producer still waits for its answer.
        await Eventually.ReadAsync(() => Task.FromResult(workers.Sum(w => Done(w, SlowSum).Count)), n => n >= 3, ClusterScope.JobDeadline, "three slices to be done");

        // The node the producer is on: it is given every node and picks one (RabbitMQ.Client shuffles the list).
        var node = ConnectedNode(producer) ?? throw new InvalidOperationException($"The producer did not log its node.\n{producer.Describe()}");
        await cluster.NodeAsync(node, "kill");
        var killed = Stopwatch.StartNew();
        var doneAtKill = workers.Sum(w => Done(w, SlowSum).Count);
        Assert.False(producer.HasExited, $"The job should still run when its producer's node is killed.\n{producer.Describe()}");
        Assert.True(doneAtKill < Slices, $"Only part of the job should be done when the node is killed ({doneAtKill} of {Slices}).");

        await AssertAnswersAsync(producer, SlowSumAnswer(Count), ClusterScope.JobDeadline);
        output.WriteLine($"node {node} (the producer's) killed with {doneAtKill} of {Slices} slices done; the job answered {killed.Elapsed.TotalSeconds:0.0} s later");

        // The producer's reply queue died with its node: once recovered it asked again for the unanswered slices.
        var rebuilt = producer.Lines.FirstOrDefault(l => l.Contains("The reply inbox was rebuilt after a lost connection", StringComparison.Ordinal));
        Assert.True(rebuilt is not null, $"The producer should rebuild its reply inbox and ask again for unanswered slices.\n{producer.Describe()}");
        Assert.DoesNotContain(producer.Lines, l => l.Contains("Could not ask again for unanswered slices", StringComparison.Ordinal));
        output.WriteLine($"producer: {rebuilt}");
        // The killed node takes no connection: whatever was computed after the kill went through the surviving nodes
        // (each worker host is given every node; those that were on the killed one moved to another).
        var doneAfterKill = workers.Sum(w => Done(w, SlowSum).Count) - doneAtKill;
        Assert.True(doneAfterKill > 0, $"The workers should have computed slices through the surviving nodes after node {node} was killed ({doneAtKill} of {Slices} done at the kill, none after).");
    }

    /// <summary>
    /// The node of a program's slice connection, from the transport's log line <c>Connected to RabbitMQ at
    /// amqp://pymar@10.77.0.N:5672/</c> (an events connection, when events are on, logs the same words from another category).
    /// </summary>
    private static int? ConnectedNode(ChildProcess process)
    {
        foreach (var node in new[] { 1, 2, 3 })
        {
            var at = $"Connected to RabbitMQ at amqp://pymar@{ClusterFixture.NodeAddress(node)}:";
            if (process.Lines.Any(l => l.Contains(at, StringComparison.Ordinal) && l.Contains("RabbitMqTransport", StringComparison.Ordinal)))
            {
                return node;
            }
        }

        return null;
    }

    [Fact]
    public async Task AJobRunsWithOneNodeDownAndAfterTheNodeRejoinsASecondJobUsesAllThreeNodes()
    {
        await cluster.NodeAsync(2, "kill");
        Assert.DoesNotContain("rabbit@" + ClusterFixture.NodeAddress(2), await cluster.RunningNodesAsync(1));

        // With node 2 down, the two others (a majority) serve a job.
        var w1 = await _scope.StartSlowWorkerAsync("w1", node: 1, slots: 1, sliceMilliseconds: 100);
        var w3 = await _scope.StartSlowWorkerAsync("w3", node: 3, slots: 1, sliceMilliseconds: 100);
        await AssertAnswersAsync(_scope.StartSlowSumProducer(node: 3, slices: 8, count: 800, timeoutSeconds: 120), SlowSumAnswer(800), ClusterScope.JobDeadline);

        var rejoin = Stopwatch.StartNew();
        await cluster.NodeAsync(2, "start");
        var running = await Eventually.ReadAsync(() => cluster.RunningNodesAsync(2), n => n.Count == 3, TimeSpan.FromSeconds(60), "node 2 to rejoin");
        output.WriteLine($"node 2 restarted and rejoined in {rejoin.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", running)}");

        // A second job, with a worker host on each node and the producer on the rejoined node.
        var w2 = await _scope.StartSlowWorkerAsync("w2", node: 2, slots: 1, sliceMilliseconds: 200);
        var before = new[] { w1, w2, w3 }.Select(w => Done(w, SlowSum).Count).ToList();
        await AssertAnswersAsync(_scope.StartSlowSumProducer(node: 2, slices: 15, count: 1500, timeoutSeconds: 120), SlowSumAnswer(1500), ClusterScope.JobDeadline);
        var second = new[] { w1, w2, w3 }.Select((w, i) => Done(w, SlowSum).Count - before[i]).ToList();
        Assert.True(second.All(n => n > 0), $"Each of the three nodes' worker hosts should have computed slices of the second job ({string.Join(", ", second)}).");

        // The work queue has its three members again and no leftover message.
        var queue = Assert.Single(await cluster.QueuesAsync(2, _scope.Prefix), q => q.Name == _scope.Prefix + SlowSum);
        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.Contains("rabbit@" + ClusterFixture.NodeAddress(node), queue.Members, StringComparison.Ordinal);
        }

        // Copies the producer sent of slices it was slow to hear from (stragglers) are taken and dropped by the workers
        // once the job has ended: wait for that, then stop the workers and look again.
        await Eventually.ReadAsync(
            () => cluster.QueuesAsync(2, _scope.Prefix),
            queues => queues.All(q => q.Messages == 0),
            TimeSpan.FromSeconds(30),
            "the queues to hold no leftover message",
            TimeSpan.FromMilliseconds(500));
        await _scope.KillAllAsync();
        Assert.All(await cluster.QueuesAsync(2, _scope.Prefix), q => Assert.True(q.Messages == 0, $"{q.Name} holds {q.Messages} message(s)."));
    }

    [Fact]
    public async Task WithTwoOfThreeNodesDownPublishingFailsWithAClearErrorWithinTheJobsTimeout()
    {
        await Task.WhenAll(cluster.NodeAsync(2, "kill"), cluster.NodeAsync(3, "kill"));

        const int TimeoutSeconds = 20;
        var watch = Stopwatch.StartNew();
        var producer = _scope.StartSlowSumProducer(node: 1, slices: 4, count: 400, timeoutSeconds: TimeoutSeconds);
        var code = await producer.WaitForExitAsync(TimeSpan.FromSeconds(TimeoutSeconds + 40));
        var error = producer.Lines.FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal));
        output.WriteLine($"with two nodes down the producer failed after {watch.Elapsed.TotalSeconds:0.0} s (job timeout {TimeoutSeconds} s): {error}");

        Assert.True(code != 0, $"The producer should fail with two of three nodes down.\n{producer.Describe()}");
        Assert.DoesNotContain(producer.Lines, l => l.StartsWith("answer: ", StringComparison.Ordinal));
        Assert.True(error is not null, $"The producer should say why it failed.\n{producer.Describe()}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(TimeoutSeconds + 30), $"The producer should fail within its job's timeout, not hang ({watch.Elapsed}).");

        // The error names the broker's state: no node of the three takes clients (node 1 is paused in a minority).
        Assert.Contains("Cannot reach RabbitMQ", error ?? "", StringComparison.Ordinal);
        Assert.Contains("none of its 3 nodes accepts connections", error ?? "", StringComparison.Ordinal);
        Assert.Contains("paused in a minority", error ?? "", StringComparison.Ordinal);

        // The job's OnTimeout policy applies: with ComputeLocally the same job is answered exactly, in the producer.
        var local = Stopwatch.StartNew();
        var fallback = _scope.StartSlowSumProducer(node: 1, slices: 4, count: 400, timeoutSeconds: TimeoutSeconds, onTimeout: "ComputeLocally");
        await AssertAnswersAsync(fallback, SlowSumAnswer(400), ClusterScope.JobDeadline);
        output.WriteLine($"with OnTimeout = ComputeLocally the producer answered locally after {local.Elapsed.TotalSeconds:0.0} s");
        Assert.True(local.Elapsed < TimeSpan.FromSeconds(TimeoutSeconds + 30), $"The local answer should come within the job's timeout ({local.Elapsed}).");
    }

    public Task InitializeAsync() => cluster.EnsureThreeNodesAsync();

    public async Task DisposeAsync()
    {
        // The nodes a test took down come back before the test's queues are deleted through them.
        await _scope.KillAllAsync();
        await cluster.EnsureThreeNodesAsync();
        await _scope.DisposeAsync();
    }
}
