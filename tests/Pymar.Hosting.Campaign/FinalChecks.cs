using System.Globalization;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// What must hold once the jobs are done: no message left in any of the campaign's queues (ready or held by a worker),
/// and no worker connection with more consumers on a work queue than its slots, or a consumer tag twice.
/// </summary>
internal sealed class FinalChecks(TestCluster cluster, string prefix)
{
    private static readonly TimeSpan s_drainDeadline = TimeSpan.FromSeconds(90);

    /// <summary>The consumers on each work queue, by the connection they belong to: (queue, connection, consumer tag).</summary>
    public async Task<IReadOnlyList<(string Queue, string Connection, string Tag)>> ConsumersAsync()
    {
        var channels = (await cluster.CtlAsync(1, "-q", "list_channels", "pid", "connection", "--no-table-headers"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 2)
            .ToDictionary(f => f[0], f => f[1]);
        var consumers = await cluster.CtlAsync(1, "-q", "list_consumers", "queue_name", "channel_pid", "consumer_tag", "--no-table-headers");
        return [.. consumers.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3 && IsWorkQueue(f[0]))
            .Select(f => (f[0][prefix.Length..], channels.GetValueOrDefault(f[1], f[1]), f[2]))];
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

    /// <summary>
    /// Whether a worker's connection holds more consumers on one work queue than it has slots, or a consumer tag twice
    /// (a consumer revived beside its replacement); returns what is wrong (empty when nothing) and the counts.
    /// </summary>
    public async Task<(string Problem, string Counts)> DoubledConsumersAsync(int slots)
    {
        var consumers = await ConsumersAsync();
        var problems = consumers
            .GroupBy(c => (c.Queue, c.Connection))
            .Where(g => g.Count() > slots || g.Select(c => c.Tag).Distinct(StringComparer.Ordinal).Count() != g.Count())
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key.Queue}: {g.Count()} consumers on connection {g.Key.Connection} of a {slots}-slot worker"))
            .ToList();
        var counts = string.Join(", ", consumers.GroupBy(c => c.Queue).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()} on {g.Select(c => c.Connection).Distinct().Count()} connection(s)")));
        return (string.Join("; ", problems), counts);
    }

    private bool IsWorkQueue(string queue) =>
        queue.StartsWith(prefix, StringComparison.Ordinal) && !queue[prefix.Length..].Contains('.', StringComparison.Ordinal) && queue != prefix + "dead-letter";
}
