using System.Globalization;

namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>
/// One test's share of the cluster: a queue prefix of its own (<c>pymar.c{guid}.</c>) and the processes it started,
/// worker programs inside worker host namespaces (<c>deploy/cluster/host.sh</c>) and producers in the test's own
/// namespace, each pointed at one node. Disposing kills the processes and deletes the test's queues.
/// </summary>
public sealed class ClusterScope : IAsyncDisposable
{
    /// <summary>How long a program may take to start and say it is ready (2 busy cores, cold JIT).</summary>
    public static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    /// <summary>How long a job may take from publish to answer, faults included.</summary>
    public static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(150);

    /// <summary>How long a stopped (SIGTERM) or killed process may take to exit.</summary>
    public static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(30);

    private readonly ClusterFixture _cluster;
    private readonly List<ChildProcess> _processes = [];

    public ClusterScope(ClusterFixture cluster)
    {
        _cluster = cluster;
        Prefix = $"pymar.c{Guid.NewGuid():N}.";
    }

    public string Prefix { get; }

    /// <summary>
    /// Starts <paramref name="dll"/> <paramref name="args"/> inside worker host <paramref name="host"/> (its own
    /// namespace and address), connected to node <paramref name="node"/>.
    /// </summary>
    public ChildProcess StartOnHost(string host, string name, string dll, IEnumerable<string> args, int node, IReadOnlyDictionary<string, string>? extra = null) =>
        Start(name, [ChildPrograms.ClusterScript("host.sh"), host, "--", ChildProcess.Dotnet, dll, .. args], node, dll, extra);

    /// <summary>Starts <paramref name="dll"/> <paramref name="args"/> in the test's namespace (over the bridge), connected to node <paramref name="node"/>.</summary>
    public ChildProcess StartHere(string name, string dll, IEnumerable<string> args, int node, IReadOnlyDictionary<string, string>? extra = null) =>
        Start(name, [ChildProcess.Dotnet, dll, .. args], node, dll, extra);

    /// <summary>The examples program as a worker pool of <paramref name="slots"/> slots on a worker host; waits until it consumes.</summary>
    public async Task<ChildProcess> StartExamplesWorkerAsync(string host, int node, int slots = 1)
    {
        var worker = StartOnHost(host, $"examples worker on {host} (node {node})", ChildPrograms.Examples, ["worker", "--workers", Invariant(slots), "--verbose"], node);
        await worker.WaitForLineAsync("consuming producers", StartDeadline);
        return worker;
    }

    /// <summary>The test worker (slow-sum: each slice waits <paramref name="sliceMilliseconds"/>) on a worker host; waits until it consumes.</summary>
    public async Task<ChildProcess> StartSlowWorkerAsync(string host, int node, int slots, int sliceMilliseconds)
    {
        var worker = StartOnHost(
            host,
            $"test worker on {host} (node {node})",
            ChildPrograms.TestWorker,
            ["worker", "--workers", Invariant(slots)],
            node,
            // Workers check each window against their data source's length: theirs holds every number a producer asks for.
            new Dictionary<string, string> { ["PYMAR_TEST_SLICE_MS"] = Invariant(sliceMilliseconds), ["PYMAR_TEST_COUNT"] = "1000000" });
        await worker.WaitForLineAsync("consuming producers", StartDeadline);
        return worker;
    }

    /// <summary>The test worker's <c>produce slow-sum</c> in the test's namespace: one job, then <c>answer: …</c> and exit.</summary>
    /// <param name="onTimeout">The job's OnTimeout policy (Fail, ComputeLocally); null keeps the default (Fail).</param>
    public ChildProcess StartSlowSumProducer(int node, int slices, long count, int timeoutSeconds, string? onTimeout = null) =>
        StartHere(
            $"producer (node {node}{(onTimeout is null ? "" : ", on timeout " + onTimeout)})",
            ChildPrograms.TestWorker,
            ["produce", "slow-sum", "--slices", Invariant(slices), "--count", Invariant(count), "--timeout", Invariant(timeoutSeconds), .. onTimeout is null ? Array.Empty<string>() : ["--on-timeout", onTimeout]],
            node);

    /// <summary>Kills (SIGKILL) every process of this test that still runs.</summary>
    public async Task KillAllAsync()
    {
        foreach (var process in Snapshot())
        {
            process.Kill();
            await process.WaitForExitAsync(ExitDeadline);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Snapshot())
        {
            await process.DisposeAsync();
        }

        // The test's queues, through any node that answers (a fault test may leave one down until the next test).
        foreach (var node in new[] { 1, 2, 3 })
        {
            try
            {
                foreach (var queue in await _cluster.QueuesAsync(node, Prefix))
                {
                    await _cluster.CtlAsync(node, "-q", "delete_queue", queue.Name);
                }

                await _cluster.CtlAsync(node, "-q", "eval", $"rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, <<\"{Prefix}control\">>), false, <<\"tests\">>).");
                return;
            }
            catch (InvalidOperationException)
            {
                // That node is down: try the next.
            }
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private ChildProcess Start(string name, IReadOnlyList<string> command, int node, string dll, IReadOnlyDictionary<string, string>? extra)
    {
        var environment = _cluster.BrokerEnvironment(node);
        environment["Pymar__Broker__QueuePrefix"] = Prefix;
        environment["Pymar__ComputeLocallyWhenUnreachable"] = "false";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var process = ChildProcess.Start(name, command[0], command.Skip(1), new ChildProcessOptions { Environment = environment, WorkingDirectory = Path.GetDirectoryName(dll) });
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    private List<ChildProcess> Snapshot()
    {
        lock (_processes)
        {
            return [.. _processes];
        }
    }
}
