using System.Diagnostics;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Pymar.Hosting.Campaign;

/// <summary>What a fault did: when it struck (seconds since the campaign began), whether its job still ran, and what it touched.</summary>
internal sealed record Strike(double At, bool HitRunningJob, string Detail, string? Error = null, bool? MustFailOk = null, double? MustFailMs = null);

/// <summary>
/// Injects one fault while a job runs, and repairs what it broke once the job has ended (a node restarted, a killed
/// worker replaced, the cluster back to three running nodes). Cuts and pauses hold for the drawn time, then heal.
/// </summary>
internal sealed class Nemesis(TestCluster cluster, WorkerFleet fleet, CampaignProducer producer, string prefix, Stopwatch clock)
{
    /// <summary>The events exchange every Pymar host shares (not under the queue prefix).</summary>
    private const string EventsExchange = "pymar.events";

    // How long after a healed node partition the cluster is watched for a split (the tick timeout is 10-12.5 s).
    private static readonly TimeSpan s_splitWatch = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Strikes at the fault's time (when it is negative, at once: the job starts that long after the fault is in
    /// effect). <paramref name="inEffect"/> completes when the fault has taken effect (a node is dead, a link is down,
    /// a queue is gone): the strike's time is that moment, and it hit its job if the job had not ended by then.
    /// </summary>
    public async Task<Strike> StrikeAsync(JobSpec job, Func<bool> jobEnded, TaskCompletionSource inEffect)
    {
        var fault = job.Fault;
        if (fault.At > TimeSpan.Zero)
        {
            await Task.Delay(fault.At);
        }

        var hit = false;
        var at = 0.0;
        void Struck()
        {
            at = clock.Elapsed.TotalSeconds;
            hit = !jobEnded();
            inEffect.TrySetResult();
        }

        at = clock.Elapsed.TotalSeconds;
        hit = !jobEnded();
        try
        {
            switch (fault.Kind)
            {
                case FaultKind.NodeKill:
                    await cluster.NodeAsync(fault.Node, "kill");
                    Struck();
                    return new Strike(at, hit, $"node {fault.Node} SIGKILLed");
                case FaultKind.NodeStop:
                    await cluster.NodeAsync(fault.Node, "stop");
                    Struck();
                    return new Strike(at, hit, $"node {fault.Node} stopped cleanly");
                case FaultKind.QueueLeaderKill:
                    var leader = await WorkQueueLeaderAsync(job.Producer);
                    await cluster.NodeAsync(leader, "kill");
                    Struck();
                    return new Strike(at, hit, $"node {leader}, leader of {prefix}{job.Producer}, SIGKILLed");
                case FaultKind.NodePartition:
                    await cluster.NodeAsync(fault.Node, "partition");
                    Struck();
                    await Task.Delay(fault.Hold);
                    await cluster.NodeAsync(fault.Node, "heal");
                    var split = await RestartIfSplitAsync();
                    return new Strike(at, hit, Invariant($"node {fault.Node} cut off for {fault.Hold.TotalSeconds:0} s{(split is { } n ? $"; the cluster stayed split from node {n} after the link returned: node {n} restarted" : "")}"));
                case FaultKind.HostPartition:
                    var host = WorkerFleet.HostOf(fault.Worker);
                    await cluster.HostAsync(host, "partition");
                    Struck();
                    await Task.Delay(fault.Hold);
                    await cluster.HostAsync(host, "heal");
                    return new Strike(at, hit, Invariant($"worker host {host} cut off for {fault.Hold.TotalSeconds:0} s"));
                case FaultKind.WorkerKill:
                    await fleet.KillAsync(fault.Worker);
                    Struck();
                    return new Strike(at, hit, $"worker {fault.Worker + 1} SIGKILLed");
                case FaultKind.WorkerPause:
                    await fleet.SignalAsync(fault.Worker, stop: true);
                    Struck();
                    await Task.Delay(fault.Hold);
                    await fleet.SignalAsync(fault.Worker, stop: false);
                    return new Strike(at, hit, Invariant($"worker {fault.Worker + 1} SIGSTOPped for {fault.Hold.TotalSeconds:0} s, then SIGCONT"));
                case FaultKind.CloseConnections:
                    await Task.WhenAll(TestCluster.Nodes.Select(n => cluster.CtlAsync(n, "-q", "close_all_connections", "--global", "campaign nemesis")));
                    Struck();
                    return new Strike(at, hit, $"every connection closed on the three nodes (job publishing {job.Slices} slices)");
                case FaultKind.ReplyQueueDelete:
                    var replies = (await cluster.QueuesAsync(1, prefix + "reply.")).Select(q => q.Name).ToList();
                    foreach (var queue in replies)
                    {
                        await cluster.CtlAsync(1, "-q", "delete_queue", queue);
                    }

                    Struck();

                    return new Strike(at, hit, $"{replies.Count} reply queue(s) deleted");
                case FaultKind.ControlExchangeDelete:
                    await WithChannelAsync(channel => channel.ExchangeDeleteAsync(prefix + "control", ifUnused: false));
                    Struck();
                    return new Strike(at, hit, $"exchange {prefix}control deleted");
                case FaultKind.ForgedMessages:
                    var forged = await ForgeAsync();
                    Struck();
                    return new Strike(at, hit, forged);
                case FaultKind.OversizedSlice:
                    Struck();
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        var answer = await producer.RunOversizedAsync(CancellationToken.None);
                        return new Strike(at, hit, $"a slice above the broker's limit was answered ({answer}) instead of refused", MustFailOk: false, MustFailMs: watch.Elapsed.TotalMilliseconds);
                    }
                    catch (Exception ex)
                    {
                        // The documented refusal names the slice's size and says what to do (a data source, or more slices).
                        var documented = ex is not MapTimeoutException && watch.Elapsed < CampaignProducer.OversizedDeadline + TimeSpan.FromSeconds(5) &&
                            ex.Message.Contains("bytes", StringComparison.OrdinalIgnoreCase) && ex.Message.Contains("more slices", StringComparison.OrdinalIgnoreCase);
                        return new Strike(at, hit, $"a slice of about 24 MB failed its job: {ex.GetType().Name}: {Short(ex.Message)}", MustFailOk: documented, MustFailMs: watch.Elapsed.TotalMilliseconds);
                    }

                default:
                    throw new InvalidOperationException($"No fault {fault.Kind}.");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
        {
            inEffect.TrySetResult();
            return new Strike(at, hit, $"the nemesis could not inject {fault.Kind}", Error: Short(ex.Message));
        }
    }

    /// <summary>Restores what the fault left broken once its job has ended: three running nodes, every worker running.</summary>
    public async Task<double> RepairAsync(FaultSpec fault)
    {
        var watch = Stopwatch.StartNew();
        var repaired = false;
        if (fault.Kind is FaultKind.NodeKill or FaultKind.NodeStop or FaultKind.QueueLeaderKill or FaultKind.NodePartition)
        {
            await cluster.EnsureThreeNodesAsync();
            repaired = true;
        }

        if (fleet.Exited.Any())
        {
            await fleet.ReplaceExitedAsync();
            repaired = true;
        }

        return repaired ? watch.Elapsed.TotalMilliseconds : 0;
    }

    /// <summary>
    /// What an operator of a pause_minority cluster does after a partition: a cut about as long as net_ticktime is
    /// noticed only as the link returns, nothing pauses, and the cluster stays split (each side routes to its own view
    /// of the queues, so replies to a queue on the other side are dropped) until the node cut off is restarted.
    /// Watches for that for a while after the heal; returns the node restarted, if any.
    /// </summary>
    private async Task<int?> RestartIfSplitAsync()
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < s_splitWatch)
        {
            string partitions;
            try
            {
                partitions = await cluster.CtlAsync(1, "-q", "eval", "rabbit_node_monitor:partitions(rabbit_nodes:all()).");
            }
            catch (InvalidOperationException)
            {
                // Node 1 does not answer now: ask again.
                partitions = "";
            }

            // The node another node reports a partition with (both others, or one it reports in turn), as start.sh decides.
            if (SplitNode(partitions) is { } node)
            {
                await cluster.NodeAsync(node, "kill");
                await cluster.EnsureThreeNodesAsync();
                return node;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return null;
    }

    /// <summary>
    /// Of the nodes another node reports a partition with, the one reported by the most others (a tie, as when two
    /// nodes each list the other: the lowest number); null when no node reports a partition. <paramref name="partitions"/>
    /// is the output of <c>rabbit_node_monitor:partitions(rabbit_nodes:all())</c>.
    /// </summary>
    internal static int? SplitNode(string partitions)
    {
        var lists = System.Text.RegularExpressions.Regex.Matches(partitions, @"\{'(?<node>[^']+)',\s*\[(?<list>[^\]]*)\]\}")
            .ToDictionary(m => m.Groups["node"].Value, m => m.Groups["list"].Value);
        int? best = null;
        var bestCount = 0;
        foreach (var node in TestCluster.Nodes)
        {
            var name = $"'rabbit@{TestCluster.NodeAddress(node)}'";
            var count = lists.Count(l => l.Key != name.Trim('\'') && l.Value.Contains(name, StringComparison.Ordinal));
            if (count > bestCount)
            {
                best = node;
                bestCount = count;
            }
        }

        return best;
    }

    private async Task<int> WorkQueueLeaderAsync(string producerName)
    {
        var queue = (await cluster.QueuesAsync(1, prefix + producerName)).Single(q => q.Name == prefix + producerName);
        return TestCluster.Nodes.Single(n => queue.Leader == "rabbit@" + TestCluster.NodeAddress(n));
    }

    // Garbage and forged messages where Pymar hosts listen: worker presence ({prefix}presence, key announce) and events.
    private async Task<string> ForgeAsync()
    {
        var forged = $$"""{"worker":"forged","producers":["SlowSumProducer","SecondSlowSumProducer","ThirdSlowSumProducer"],"slots":2147483647,"intervalMs":3600000,"leaving":false}""";
        (string Exchange, string Key, string Body)[] messages =
        [
            (prefix + "presence", "announce", "\u0001not json at all {{{"),
            (prefix + "presence", "announce", """{"worker":42,"slots":"many"}"""),
            (prefix + "presence", "announce", forged),
            (EventsExchange, "worker.heartbeat", """{"kind":"worker.heartbeat","source":"forged","heartbeatSeconds":1e12}"""),
            (EventsExchange, "slice.completed", "\u0000\u0001 garbage"),
        ];
        var sent = 0;
        foreach (var (exchange, key, body) in messages)
        {
            await WithChannelAsync(async channel =>
            {
                if (exchange == EventsExchange)
                {
                    await channel.ExchangeDeclareAsync(EventsExchange, ExchangeType.Topic, durable: true, autoDelete: false);
                }

                await channel.BasicPublishAsync(exchange, key, Encoding.UTF8.GetBytes(body));
            });
            sent++;
        }

        return $"{sent} garbage and forged messages published on {prefix}presence and {EventsExchange} (a forged worker of {int.MaxValue} slots)";
    }

    private async Task WithChannelAsync(Func<IChannel, Task> action)
    {
        var factory = new ConnectionFactory { UserName = "pymar", Password = cluster.Password, ClientProvidedName = "campaign nemesis", AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync(TestCluster.Nodes.Select(n => new AmqpTcpEndpoint(TestCluster.NodeAddress(n))).ToList());
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await action(channel);
        await connection.CloseAsync();
    }

    private static string Short(string message) => message.Length <= 300 ? message.ReplaceLineEndings(" ") : message[..300].ReplaceLineEndings(" ") + "…";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
