using System.Globalization;
using Pymar.Hosting.TestWorker;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// The worker processes of the campaign: the test worker program, 2 slots each, inside worker hosts (network
/// namespaces, <c>deploy/cluster/host.sh</c>), each pointed first at one node. A killed worker is replaced by a new
/// process on the same host; a paused one is resumed.
/// </summary>
internal sealed class WorkerFleet(TestCluster cluster, string prefix, string workerDll) : IAsyncDisposable
{
    /// <summary>Slots of each worker process.</summary>
    public const int Slots = 2;

    /// <summary>The largest lookahead a worker may add to its slots (the default <c>Pymar:Broker:MaxPrefetchLookahead</c>).</summary>
    public const int MaxLookahead = 32;

    /// <summary>Where each worker runs: its host and its first node.</summary>
    public static readonly IReadOnlyList<(string Host, int Node)> Placement = [("k1", 1), ("k2", 2), ("k3", 3), ("k1", 2)];

    /// <summary>Slots of the whole fleet.</summary>
    public static int TotalSlots => Placement.Count * Slots;

    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(120);

    private readonly ChildProcess?[] _workers = new ChildProcess?[Placement.Count];
    private readonly List<ChildProcess> _retired = [];

    /// <summary>The worker processes as they run now.</summary>
    public IReadOnlyList<ChildProcess> Workers => [.. _workers.OfType<ChildProcess>()];

    /// <summary>Starts every worker and waits until each consumes.</summary>
    public Task StartAsync() => Task.WhenAll(Enumerable.Range(0, Placement.Count).Select(StartAsync));

    /// <summary>The host worker <paramref name="index"/> runs on.</summary>
    public static string HostOf(int index) => Placement[index].Host;

    /// <summary>SIGKILL worker <paramref name="index"/>.</summary>
    public async Task KillAsync(int index)
    {
        var worker = _workers[index] ?? throw new InvalidOperationException($"Worker {index} does not run.");
        worker.Kill();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGSTOP (<paramref name="stop"/>) or SIGCONT worker <paramref name="index"/>.</summary>
    public Task SignalAsync(int index, bool stop)
    {
        var worker = _workers[index] ?? throw new InvalidOperationException($"Worker {index} does not run.");
        return Shell.RunCheckedAsync("kill", [stop ? "-STOP" : "-CONT", worker.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
    }

    /// <summary>Starts a new worker in place of every worker that has exited; waits until each consumes.</summary>
    public Task ReplaceExitedAsync() =>
        Task.WhenAll(Enumerable.Range(0, Placement.Count).Where(i => _workers[i] is not { HasExited: false }).Select(StartAsync));

    /// <summary>Every worker that has exited (a killed worker before <see cref="ReplaceExitedAsync"/>, or one that crashed).</summary>
    public IEnumerable<ChildProcess> Exited => _workers.OfType<ChildProcess>().Where(w => w.HasExited);

    /// <summary>Writes the last lines of every worker process this fleet started into <paramref name="directory"/>.</summary>
    public async Task WriteLogsAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var all = _retired.Concat(_workers.OfType<ChildProcess>()).ToList();
        for (var i = 0; i < all.Count; i++)
        {
            var lines = all[i].Lines;
            await File.WriteAllLinesAsync(
                Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"worker-{i + 1}.log")),
                [$"# {all[i].Name}, pid {all[i].Id}", .. lines.Skip(Math.Max(0, lines.Count - 3000))]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _retired.Concat(_workers.OfType<ChildProcess>()))
        {
            await worker.DisposeAsync();
        }
    }

    private async Task StartAsync(int index)
    {
        if (_workers[index] is { } old)
        {
            _retired.Add(old);
        }

        var (host, node) = Placement[index];
        var environment = cluster.BrokerEnvironment(node);
        environment["Pymar__Broker__QueuePrefix"] = prefix;
        environment["Pymar__ComputeLocallyWhenUnreachable"] = "false";
        environment["Pymar__Events__Enabled"] = "true";
        environment[TestSettings.SliceMillisecondsVariable] = Invariant(CampaignPlan.Tiers[0].SliceMilliseconds);
        environment[TestSettings.SecondSliceMillisecondsVariable] = Invariant(CampaignPlan.Tiers[1].SliceMilliseconds);
        environment[TestSettings.ThirdSliceMillisecondsVariable] = Invariant(CampaignPlan.Tiers[2].SliceMilliseconds);
        environment[TestSettings.CountVariable] = Invariant(CampaignPlan.SourceLength);
        var worker = ChildProcess.Start(
            string.Create(CultureInfo.InvariantCulture, $"worker {index + 1} on {host} (node {node})"),
            cluster.Script("host.sh"),
            [host, "--", ChildProcess.Dotnet, workerDll, "worker", "--workers", Invariant(Slots)],
            new ChildProcessOptions { Environment = environment, WorkingDirectory = Path.GetDirectoryName(workerDll) });
        _workers[index] = worker;
        await worker.WaitForLineAsync("consuming producers", s_startDeadline);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
