using System.Globalization;
using System.Net.Sockets;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// cluster: the latency and throughput jobs on the 3-node RabbitMQ cluster of deploy/cluster, Pymar beside
/// the raw RPC references, in one run. The harness (producers, raw clients) connects to node 1 over the bridge; the
/// workers of every contender run in one worker host namespace (<c>bench</c>) and connect to node 2, so every slice
/// and reply crosses the network between two nodes. Without a running cluster it prints a note and is skipped, unless
/// it was asked for by name.
/// </summary>
internal static class ClusterScenario
{
    private const string PasswordFile = "/var/tmp/pymar-cluster/pymar.password";
    private const string WorkerHost = "bench";

    public static async Task RunAsync(BenchContext context, bool asked)
    {
        var reason = await WhyNotRunningAsync(context.Cancellation);
        if (reason is not null)
        {
            if (asked)
            {
                throw new InvalidOperationException($"the cluster scenario needs the 3-node cluster: {reason} (run deploy/cluster/start.sh as root)");
            }

            context.Report.Line($"cluster: skipped, {reason} (run deploy/cluster/start.sh as root, then the `cluster` scenario)");
            return;
        }

        var password = Uri.EscapeDataString((await File.ReadAllTextAsync(PasswordFile, context.Cancellation)).Trim());
        string Node(int n) => string.Create(CultureInfo.InvariantCulture, $"amqp://pymar:{password}@10.77.0.{n}:5672/");
        var options = context.Options.ForBroker(Node(1));
        var cluster = new BenchContext(options, context.Prefix + "cluster.", context.Report, WorkerHost, Node(2)) { Cancellation = context.Cancellation };
        await using (cluster)
        {
            var arrangement = string.Create(CultureInfo.InvariantCulture,
                $"3-node RabbitMQ cluster (deploy/cluster); producers and raw clients in the harness on node 1, every contender's workers in worker host namespace '{WorkerHost}' on node 2 ({options.Slots} consumer slots each); quorum queues have a member on every node");
            var result = new ScenarioResult("cluster", arrangement);

            var latency = await RpcScenarios.ContendersAsync(cluster, slices: 4, rate: false);
            var latencyWarmup = await SteadyWarmup.RunAsync(latency, options.LatencyWarmup, options.LatencyWarmupMax, SteadyWarmup.ShortRoundsBatch, cluster.CompiledMethodsAsync, context.Cancellation);
            var latencySamples = await Alternation.RunAsync(latency, 0, options.LatencyJobs, "cluster latency", context.Cancellation);
            result.Tables.Add(new ResultTable(
                string.Create(CultureInfo.InvariantCulture, $"latency: time per job of 4 trivial slices ({options.LatencyJobs} jobs after {latencyWarmup.Describe()}, alternately)"),
                "ms", RpcScenarios.Raw, "median / reference median, lower is better").AddAll(latencySamples, RpcScenarios.Note));

            var slices = options.ThroughputSlices;
            var throughput = await RpcScenarios.ContendersAsync(cluster, slices, rate: true);
            var warmup = await RpcScenarios.ContendersAsync(cluster, Math.Min(slices, 1000), rate: true);
            await Alternation.RunAsync(warmup, 1, 0, "cluster throughput warm-up", context.Cancellation);
            var rateSamples = await Alternation.RunAsync(throughput, 0, options.ThroughputRounds, "cluster throughput", context.Cancellation);
            result.Tables.Add(new ResultTable(
                string.Create(CultureInfo.InvariantCulture, $"throughput: slices per second, one job of {slices:#,0} trivial slices ({options.ThroughputRounds} jobs after a warm-up job, alternately)"),
                "slices/s", RpcScenarios.Raw, "median / reference median, higher is better").AddAll(rateSamples, RpcScenarios.Note));

            var latencyMedian = latencySamples.ToDictionary(s => s.Name, s => Stats.Of(s.Samples).Median);
            var rateMedian = rateSamples.ToDictionary(s => s.Name, s => Stats.Of(s.Samples).Median);
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"on the cluster, Pymar vs. raw RPC: latency {latencyMedian[RpcScenarios.Pymar] / latencyMedian[RpcScenarios.Raw]:0.00}x, throughput {rateMedian[RpcScenarios.Pymar] / rateMedian[RpcScenarios.Raw]:0.00}x; vs. raw RPC with Pymar's guarantees: latency {latencyMedian[RpcScenarios.Pymar] / latencyMedian[RpcScenarios.RawDurable]:0.00}x, throughput {rateMedian[RpcScenarios.Pymar] / rateMedian[RpcScenarios.RawDurable]:0.00}x"));
            context.Report.Add(result);
        }
    }

    /// <summary>Null when the cluster's password is readable and node 1 accepts a TCP connection; else why not.</summary>
    private static async Task<string?> WhyNotRunningAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(PasswordFile))
        {
            return $"the cluster is not running ({PasswordFile} is missing)";
        }

        // Its bridge first: a connection to an address that is not routed here may still be accepted by something else.
        if (!Directory.Exists("/sys/class/net/pymar-br0"))
        {
            return "the cluster is not running (its bridge pymar-br0 is missing)";
        }

        try
        {
            using var probe = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await probe.ConnectAsync("10.77.0.1", 5672, timeout.Token);
            return null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"the cluster is not running (node 1 at 10.77.0.1:5672: {ex.Message})";
        }
    }
}
