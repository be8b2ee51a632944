using System.Diagnostics;
using Pymar.Hosting.Cluster.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.Cluster.Tests;

/// <summary>
/// 24 worker processes on 6 worker hosts share one 10,000-slice job. The same job on 2 processes is
/// a figure for deploy/cluster/README.md (measured by hand), not part of the suite: the cluster tests have 5 minutes.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", ClusterCollection.Category)]
public sealed class ManyWorkersTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Slices = 10_000;

    private readonly ClusterScope _scope = new(cluster);

    [Fact]
    public async Task TwentyFourWorkerProcessesOnSixHostsShareATenThousandSliceJobExactly()
    {
        // Six hosts, four one-slot processes each; host i's processes use node i mod 3 + 1. One host at a time: 24
        // programs starting at once on 2 cores miss RabbitMQ's handshake timeout.
        var workers = new List<ChildProcess>();
        for (var host = 0; host < 6; host++)
        {
            var node = (host % 3) + 1;
            workers.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _scope.StartSlowWorkerAsync($"m{host}", node, slots: 1, sliceMilliseconds: 0))));
        }

        var many = Stopwatch.StartNew();
        await AssertAnswersAsync(_scope.StartSlowSumProducer(node: 1, Slices, Slices, timeoutSeconds: 140), SlowSumAnswer(Slices), ClusterScope.JobDeadline);
        var manyTime = many.Elapsed;
        var done = workers.Select(w => Done(w, SlowSum).Count).ToList();
        Assert.True(done.All(n => n > 0), $"Every one of the 24 processes should have computed slices ({string.Join(", ", done)}).");
        Assert.True(done.Sum() >= Slices, $"The processes computed {done.Sum()} slices of {Slices}.");
        output.WriteLine($"{Slices} slices on 24 processes over 6 hosts: {manyTime.TotalSeconds:0.0} s ({string.Join(", ", done)} slices each)");
    }

    public Task InitializeAsync() => cluster.EnsureThreeNodesAsync();

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
