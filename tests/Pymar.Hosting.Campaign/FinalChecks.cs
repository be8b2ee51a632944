using System.Globalization;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// What must hold once the jobs are done: no message left in any of the campaign's queues (ready or held by a worker),
/// and as many consumers on each work queue as when the fleet started (none doubled), each consumer tag once.
/// </summary>
internal sealed class FinalChecks(TestCluster cluster, string prefix)
{
    private static readonly TimeSpan s_drainDeadline = TimeSpan.FromSeconds(90);

    /// <summary>The consumers on each work queue: queue name → (channel, consumer tag) pairs.</summary>
    public async Task<IReadOnlyDictionary<string, List<string>>> ConsumersAsync()
    {
        var output = await cluster.CtlAsync(1, "-q", "list_consumers", "queue_name", "channel_pid", "consumer_tag", "--no-table-headers");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3 && CampaignPlan.Tiers.Any(t => f[0] == prefix + t.Producer))
            .GroupBy(f => f[0])
            .ToDictionary(g => g.Key, g => g.Select(f => f[1] + " " + f[2]).ToList());
    }

    /// <summary>Waits (bounded) until no queue of the campaign holds a message; returns what is left (empty when none).</summary>
    public async Task<string> LeftoverMessagesAsync()
    {
        try
        {
            await Eventually.ReadAsync(
                () => cluster.QueuesAsync(1, prefix),
                queues => queues.All(q => q.Messages == 0),
                s_drainDeadline,
                "the campaign's queues to hold no message",
                TimeSpan.FromSeconds(1));
            return "";
        }
        catch (TimeoutException)
        {
            var left = await cluster.QueuesAsync(1, prefix);
            return string.Join(", ", left.Where(q => q.Messages != 0).Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.Name}: {q.Messages}")));
        }
    }

    /// <summary>Compares the consumers now with <paramref name="baseline"/>; returns what differs (empty when nothing).</summary>
    public async Task<(string Problem, string Counts)> DoubledConsumersAsync(IReadOnlyDictionary<string, List<string>> baseline)
    {
        var now = await ConsumersAsync();
        var problems = new List<string>();
        foreach (var queue in baseline.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var before = baseline.TryGetValue(queue, out var b) ? b.Count : 0;
            var consumers = now.TryGetValue(queue, out var n) ? n : [];
            if (consumers.Count > before)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{queue}: {consumers.Count} consumers, {before} at the start"));
            }

            if (consumers.Count != consumers.Distinct(StringComparer.Ordinal).Count())
            {
                problems.Add($"{queue}: a consumer tag appears twice on one channel");
            }
        }

        var counts = string.Join(", ", now.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.Key[prefix.Length..]}: {q.Value.Count}")));
        return (string.Join("; ", problems), counts);
    }

    /// <summary>Deletes the campaign's queues and its control exchange (best effort: the cluster is removed next anyway).</summary>
    public async Task CleanUpAsync()
    {
        foreach (var queue in await cluster.QueuesAsync(1, prefix))
        {
            await cluster.CtlAsync(1, "-q", "delete_queue", queue.Name);
        }
    }
}
