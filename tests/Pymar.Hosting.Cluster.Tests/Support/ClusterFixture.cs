using System.Diagnostics;
using System.Globalization;

namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>
/// The 3-node RabbitMQ cluster of <c>deploy/cluster/</c>: started once (<c>start.sh</c>, idempotent) for all the
/// cluster tests and removed at the end (<c>stop.sh</c>). When it cannot start (not root, no namespaces, a node that
/// does not come up) every test of the collection fails with the script's output; none is skipped.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The nodes' addresses: node N is 10.77.0.N.</summary>
    public const string Network = "10.77.0";

    /// <summary>How long start.sh may take (a cold start is about 30 s here; apt-get may add more).</summary>
    public static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);

    /// <summary>How long node.sh may take (start waits until the node has rejoined).</summary>
    public static readonly TimeSpan NodeDeadline = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether the programs are given the whole list of nodes (<c>Pymar:Broker:Hosts</c>). Until the options accept a
    /// list, each program is given one node with <c>Pymar:Broker:Host</c>; the list is passed too (ignored today).
    /// </summary>
    public static readonly bool PassHostsList = true;

    private const string PasswordFile = "/var/tmp/pymar-cluster/pymar.password";

    private string? _password;

    /// <summary>The generated password of the <c>pymar</c> user.</summary>
    public string Password => _password ?? throw new InvalidOperationException("The cluster fixture is not initialized.");

    /// <summary>How long the first start.sh took.</summary>
    public TimeSpan StartTime { get; private set; }

    public static string NodeAddress(int node) => string.Create(CultureInfo.InvariantCulture, $"{Network}.{node}");

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        var (code, output) = await Shell.RunAsync(ChildPrograms.ClusterScript("start.sh"), [], StartDeadline);
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"The 3-node RabbitMQ cluster did not start (deploy/cluster/start.sh exited with {code}; it needs root and network namespaces). " +
                $"The cluster tests fail rather than skip.\n{output}");
        }

        StartTime = watch.Elapsed;
        _password = (await File.ReadAllTextAsync(PasswordFile)).Trim();
    }

    public async Task DisposeAsync() => await Shell.RunAsync(ChildPrograms.ClusterScript("stop.sh"), [], StartDeadline);

    /// <summary>Starts every node that is not running and waits until the cluster reports three running nodes.</summary>
    public Task EnsureThreeNodesAsync() => Shell.RunCheckedAsync(ChildPrograms.ClusterScript("start.sh"), [], StartDeadline);

    /// <summary><c>deploy/cluster/node.sh N action</c>: kill, stop, start, partition or heal.</summary>
    public Task<string> NodeAsync(int node, string action) =>
        Shell.RunCheckedAsync(ChildPrograms.ClusterScript("node.sh"), [node.ToString(CultureInfo.InvariantCulture), action], NodeDeadline);

    /// <summary>rabbitmqctl against node N (from inside its namespace).</summary>
    public Task<string> CtlAsync(int node, params string[] args) =>
        Shell.RunCheckedAsync(ChildPrograms.ClusterScript("node.sh"), [node.ToString(CultureInfo.InvariantCulture), "ctl", .. args], NodeDeadline);

    /// <summary>The nodes the cluster reports running, asked through node <paramref name="askNode"/>.</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(int askNode)
    {
        var output = await CtlAsync(askNode, "-q", "eval", "rabbit_nodes:all_running().");
        return [.. output.Split(['[', ']', ',', '\'', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(s => s.StartsWith("rabbit@", StringComparison.Ordinal))];
    }

    /// <summary>The queues whose name starts with <paramref name="prefix"/>: name, type, ready messages, members, leader.</summary>
    public async Task<IReadOnlyList<QueueRow>> QueuesAsync(int askNode, string prefix)
    {
        var output = await CtlAsync(askNode, "-q", "list_queues", "name", "type", "messages", "members", "leader", "--no-table-headers");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 5 && f[0].StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => new QueueRow(f[0], f[1], long.TryParse(f[2], CultureInfo.InvariantCulture, out var m) ? m : -1, f[3], f[4]))];
    }

    /// <summary>The environment that points a program at node <paramref name="node"/> as the <c>pymar</c> user.</summary>
    public Dictionary<string, string> BrokerEnvironment(int node)
    {
        var environment = new Dictionary<string, string>
        {
            ["Pymar__Transport"] = "RabbitMq",
            ["Pymar__Broker__Host"] = NodeAddress(node),
            ["Pymar__Broker__Port"] = "5672",
            ["Pymar__Broker__UserName"] = "pymar",
            ["Pymar__Broker__Password"] = Password,
        };
        if (PassHostsList)
        {
            // The program's own node first, then the others: where it connects, and where it recovers to.
            var order = new[] { node }.Concat(new[] { 1, 2, 3 }.Where(n => n != node)).ToList();
            for (var i = 0; i < order.Count; i++)
            {
                environment[string.Create(CultureInfo.InvariantCulture, $"Pymar__Broker__Hosts__{i}")] = NodeAddress(order[i]) + ":5672";
            }

            environment["Pymar__Broker__Heartbeat"] = "00:00:05";
        }

        return environment;
    }
}
