using System.Diagnostics;
using System.Globalization;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// What must hold once the jobs are done: no message left in any of the campaign's queues (ready or held by a worker),
/// and no worker connection consuming on two channels, over its largest budget, or with a consumer tag twice.
/// </summary>
internal sealed class FinalChecks(TestCluster cluster, string prefix)
{
    private static readonly TimeSpan s_drainDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_settleDeadline = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The consumers on each work queue: (queue, connection, channel, consumer tag, prefetch). A worker consumes on one
    /// channel of its connection, one consumer with a prefetch of 1 per credit on quorum queues.
    /// </summary>
    public async Task<IReadOnlyList<(string Queue, string Connection, string Channel, string Tag, int Prefetch)>> ConsumersAsync()
    {
        var channels = (await cluster.CtlAsync(1, "-q", "list_channels", "pid", "connection", "--no-table-headers"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 2)
            .ToDictionary(f => f[0], f => f[1]);
        var consumers = await cluster.CtlAsync(1, "-q", "list_consumers", "queue_name", "channel_pid", "consumer_tag", "prefetch_count", "--no-table-headers");
        return [.. consumers.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 4 && IsWorkQueue(f[0]))
            .Select(f => (f[0][prefix.Length..], channels.GetValueOrDefault(f[1], f[1]), f[1], f[2], int.Parse(f[3], CultureInfo.InvariantCulture)))];
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
    /// Whether a worker's connection consumes on more than one channel (a channel revived beside its replacement),
    /// holds more prefetch than the largest budget a worker may have (<paramref name="slots"/> plus
    /// <paramref name="maxLookahead"/>), or a consumer tag twice; returns what is wrong (empty when nothing) and the
    /// counts. The budget is spread over the work queues as consumers of prefetch 1 each, so one queue may hold more
    /// consumers than slots.
    /// </summary>
    public async Task<(string Problem, string Counts)> DoubledConsumersAsync(int slots, int maxLookahead)
    {
        // A worker moves its credits between queues about two seconds after its last slice (cancel one consumer, then
        // consume others): a snapshot taken meanwhile can see both. What must hold is the state the workers settle in.
        var settle = Stopwatch.StartNew();
        var (problem, counts) = await DoubledConsumersNowAsync(slots, maxLookahead);
        while (problem.Length > 0 && settle.Elapsed < s_settleDeadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (problem, counts) = await DoubledConsumersNowAsync(slots, maxLookahead);
        }

        return (problem, counts);
    }

    private async Task<(string Problem, string Counts)> DoubledConsumersNowAsync(int slots, int maxLookahead)
    {
        var consumers = await ConsumersAsync();
        var budget = slots + maxLookahead;
        var problems = consumers
            .GroupBy(c => c.Connection)
            .Select(g => (Connection: g.Key, Channels: g.Select(c => c.Channel).Distinct(StringComparer.Ordinal).Count(), Prefetch: g.Sum(c => c.Prefetch), Tags: g.Count(), DistinctTags: g.Select(c => (c.Channel, c.Tag)).Distinct().Count()))
            .Where(g => g.Channels > 1 || g.Prefetch > budget || g.DistinctTags != g.Tags)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"connection {g.Connection}: {g.Tags} consumers on {g.Channels} channel(s), prefetch {g.Prefetch} in all (a {slots}-slot worker's budget is at most {budget})"))
            .ToList();
        var counts = string.Join(", ", consumers.GroupBy(c => c.Queue).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()} on {g.Select(c => c.Connection).Distinct().Count()} connection(s)")));
        return (string.Join("; ", problems), counts);
    }

    private bool IsWorkQueue(string queue) =>
        queue.StartsWith(prefix, StringComparison.Ordinal) && !queue[prefix.Length..].Contains('.', StringComparison.Ordinal) && queue != prefix + "dead-letter";
}
