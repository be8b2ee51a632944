using System.Diagnostics;

namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>
/// The 3-node RabbitMQ cluster of <c>deploy/cluster/</c> (<see cref="TestCluster"/>): started once (<c>start.sh</c>,
/// idempotent) for all the cluster tests and removed at the end (<c>stop.sh</c>). When it cannot start (not root, no
/// namespaces, a node that does not come up) every test of the collection fails with the script's output; none is skipped.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TestCluster _cluster = new(ChildPrograms.RepositoryRoot);

    /// <summary>The generated password of the <c>pymar</c> user.</summary>
    public string Password => _cluster.Password;

    /// <summary>How long the first start.sh took.</summary>
    public TimeSpan StartTime { get; private set; }

    public static string NodeAddress(int node) => TestCluster.NodeAddress(node);

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        await _cluster.StartAsync();
        StartTime = watch.Elapsed;
    }

    public async Task DisposeAsync() => await _cluster.StopAsync();

    /// <inheritdoc cref="TestCluster.EnsureThreeNodesAsync"/>
    public Task EnsureThreeNodesAsync() => _cluster.EnsureThreeNodesAsync();

    /// <inheritdoc cref="TestCluster.NodeAsync"/>
    public Task<string> NodeAsync(int node, string action) => _cluster.NodeAsync(node, action);

    /// <inheritdoc cref="TestCluster.CtlAsync"/>
    public Task<string> CtlAsync(int node, params string[] args) => _cluster.CtlAsync(node, args);

    /// <inheritdoc cref="TestCluster.RunningNodesAsync"/>
    public Task<IReadOnlyList<string>> RunningNodesAsync(int askNode) => _cluster.RunningNodesAsync(askNode);

    /// <inheritdoc cref="TestCluster.QueuesAsync"/>
    public Task<IReadOnlyList<QueueRow>> QueuesAsync(int askNode, string prefix) => _cluster.QueuesAsync(askNode, prefix);

    /// <inheritdoc cref="TestCluster.BrokerEnvironment"/>
    public Dictionary<string, string> BrokerEnvironment(int node) => _cluster.BrokerEnvironment(node);
}
