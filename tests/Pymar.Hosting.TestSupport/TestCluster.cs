using System.Globalization;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// The 3-node RabbitMQ cluster of <c>deploy/cluster/</c> driven through its scripts: <c>start.sh</c> (idempotent),
/// <c>node.sh</c> faults and <c>rabbitmqctl</c>, <c>host.sh</c> worker hosts, <c>stop.sh</c>. They need root and
/// network namespaces; a script that fails throws with its output.
/// </summary>
/// <param name="repositoryRoot">The repository whose <c>deploy/cluster/</c> scripts run.</param>
public sealed class TestCluster(string repositoryRoot)
{
    /// <summary>The nodes' addresses: node N is 10.77.0.N.</summary>
    public const string Network = "10.77.0";

    /// <summary>How long start.sh may take (a cold start is about 30 s here; apt-get may add more).</summary>
    public static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);

    /// <summary>How long node.sh may take (start waits until the node has rejoined).</summary>
    public static readonly TimeSpan NodeDeadline = TimeSpan.FromMinutes(2);

    /// <summary>The node numbers.</summary>
    public static IReadOnlyList<int> Nodes { get; } = [1, 2, 3];

    private const string PasswordFile = "/var/tmp/pymar-cluster/pymar.password";

    private string? _password;

    /// <summary>The generated password of the <c>pymar</c> user, once <see cref="StartAsync"/> has run.</summary>
    public string Password => _password ?? throw new InvalidOperationException("The cluster is not started (call StartAsync first).");

    /// <summary>The address of node <paramref name="node"/>.</summary>
    public static string NodeAddress(int node) => string.Create(CultureInfo.InvariantCulture, $"{Network}.{node}");

    /// <summary>deploy/cluster/NAME.</summary>
    public string Script(string name) => Path.Combine(repositoryRoot, "deploy", "cluster", name);

    /// <summary>Runs start.sh (every node that does not run is started; waits for three running nodes) and reads the password.</summary>
    public async Task StartAsync()
    {
        var (code, output) = await Shell.RunAsync(Script("start.sh"), [], StartDeadline).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"The 3-node RabbitMQ cluster did not start (deploy/cluster/start.sh exited with {code}; it needs root and network namespaces).\n{output}");
        }

        _password = (await File.ReadAllTextAsync(PasswordFile).ConfigureAwait(false)).Trim();
    }

    /// <summary>Runs stop.sh: nodes, namespaces, veths and the bridge are removed.</summary>
    public Task<(int Code, string Output)> StopAsync() => Shell.RunAsync(Script("stop.sh"), [], StartDeadline);

    /// <summary>Starts every node that is not running and waits until the cluster reports three running nodes.</summary>
    public Task EnsureThreeNodesAsync() => Shell.RunCheckedAsync(Script("start.sh"), [], StartDeadline);

    /// <summary><c>deploy/cluster/node.sh N action</c>: kill, stop, start, partition or heal.</summary>
    public Task<string> NodeAsync(int node, string action) =>
        Shell.RunCheckedAsync(Script("node.sh"), [node.ToString(CultureInfo.InvariantCulture), action], NodeDeadline);

    /// <summary><c>deploy/cluster/host.sh NAME action</c>: partition or heal a worker host.</summary>
    public Task<string> HostAsync(string host, string action) => Shell.RunCheckedAsync(Script("host.sh"), [host, action], NodeDeadline);

    /// <summary>rabbitmqctl against node N (from inside its namespace).</summary>
    public Task<string> CtlAsync(int node, params string[] args) =>
        Shell.RunCheckedAsync(Script("node.sh"), [node.ToString(CultureInfo.InvariantCulture), "ctl", .. args], NodeDeadline);

    /// <summary>The nodes the cluster reports running, asked through node <paramref name="askNode"/>.</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(int askNode)
    {
        var output = await CtlAsync(askNode, "-q", "eval", "rabbit_nodes:all_running().").ConfigureAwait(false);
        return [.. output.Split(['[', ']', ',', '\'', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(s => s.StartsWith("rabbit@", StringComparison.Ordinal))];
    }

    /// <summary>The queues whose name starts with <paramref name="prefix"/>: name, type, messages (ready and unacknowledged), members, leader.</summary>
    public async Task<IReadOnlyList<QueueRow>> QueuesAsync(int askNode, string prefix)
    {
        var output = await CtlAsync(askNode, "-q", "list_queues", "name", "type", "messages", "members", "leader", "--no-table-headers").ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 5 && f[0].StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => new QueueRow(f[0], f[1], long.TryParse(f[2], CultureInfo.InvariantCulture, out var m) ? m : -1, f[3], f[4]))];
    }

    /// <summary>
    /// The environment that points a program at node <paramref name="node"/> as the <c>pymar</c> user: its own node
    /// first in <c>Pymar:Broker:Hosts</c>, then the others (where it connects, and where it recovers to), and a 5 s heartbeat.
    /// </summary>
    public Dictionary<string, string> BrokerEnvironment(int node)
    {
        var environment = new Dictionary<string, string>
        {
            ["Pymar__Transport"] = "RabbitMq",
            ["Pymar__Broker__Host"] = NodeAddress(node),
            ["Pymar__Broker__Port"] = "5672",
            ["Pymar__Broker__UserName"] = "pymar",
            ["Pymar__Broker__Password"] = Password,
            ["Pymar__Broker__Heartbeat"] = "00:00:05",
        };
        List<int> order = [node, .. Nodes.Where(n => n != node)];
        for (var i = 0; i < order.Count; i++)
        {
            environment[string.Create(CultureInfo.InvariantCulture, $"Pymar__Broker__Hosts__{i}")] = NodeAddress(order[i]) + ":5672";
        }

        return environment;
    }
}
