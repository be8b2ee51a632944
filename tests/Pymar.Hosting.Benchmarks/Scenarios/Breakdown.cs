using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>A traced job as the harness saw it: which contender, and when the call started and returned.</summary>
internal sealed record TracedJob(string Contender, long Start, long End);

/// <summary>
/// Says where a job's time goes, from the stage stamps of the producer side (harness) and the worker side (worker
/// process), matched by correlation id (<c>job:slice</c>). Both sides read the same monotonic clock.
/// </summary>
internal static class Breakdown
{
    private static readonly (string Key, string Label)[] s_stages =
    [
        ("setup", "producer: call -> first slice publish (length, slicing, inbox, first serialize)"),
        ("publishAll", "producer: first publish -> last publish returned (incl. confirms)"),
        ("publishCall", "  per slice: publish call (awaits the broker's confirm where on)"),
        ("toWorker", "  per slice: publish starts -> worker code gets it (broker, delivery)"),
        ("handle", "  per slice: worker gets it -> reply publish starts (handover, parse, compute, serialize)"),
        ("reply", "  per slice: reply publish call on the worker (awaits confirm where on)"),
        ("replyTransit", "  per slice: reply publish starts -> producer transport gets it"),
        ("ack", "  per slice: worker ack call (after the reply)"),
        ("refill", "  per slice: ack returned -> the slot's next slice delivered (prefetch = slots)"),
        ("confirmAfterReplies", "producer: last publish confirm later than last reply"),
        ("tail", "producer: last reply (or confirm) -> call returns (fold, hand-offs)"),
        ("total", "total: call -> answer"),
    ];

    /// <summary>Per contender, the stage durations (ms) over every traced job or slice.</summary>
    public static Dictionary<string, Dictionary<string, List<double>>> Analyze(IReadOnlyList<TracedJob> jobs, IEnumerable<TraceEvent> events, Func<string, int> unacknowledged)
    {
        var byJob = events
            .GroupBy(e => e.Key[..Math.Max(0, e.Key.LastIndexOf(':'))], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var result = new Dictionary<string, Dictionary<string, List<double>>>(StringComparer.Ordinal);
        foreach (var (jobId, jobEvents) in byJob)
        {
            var firstPublish = jobEvents.Where(e => e.Kind == TraceKind.PublishStart).Select(e => e.Timestamp).DefaultIfEmpty(long.MinValue).Min();
            var job = jobs.FirstOrDefault(j => j.Start <= firstPublish && firstPublish <= j.End);
            if (job is null)
            {
                continue;
            }

            if (!result.TryGetValue(job.Contender, out var stages))
            {
                stages = s_stages.ToDictionary(s => s.Key, _ => new List<double>(), StringComparer.Ordinal);
                result[job.Contender] = stages;
            }

            var slices = jobEvents.GroupBy(e => e.Key, StringComparer.Ordinal)
                .Select(g => g.GroupBy(e => e.Kind).ToDictionary(k => k.Key, k => k.Min(e => e.Timestamp)))
                .ToList();
            long Stamp(Dictionary<TraceKind, long> s, TraceKind kind) => s.TryGetValue(kind, out var t) ? t : long.MinValue;
            void Add(string key, long from, long to)
            {
                if (from != long.MinValue && to != long.MinValue)
                {
                    stages[key].Add(Stopwatch.GetElapsedTime(from, to).TotalMilliseconds);
                }
            }

            foreach (var s in slices)
            {
                Add("publishCall", Stamp(s, TraceKind.PublishStart), Stamp(s, TraceKind.PublishEnd));
                Add("toWorker", Stamp(s, TraceKind.PublishStart), Stamp(s, TraceKind.Deliver));
                Add("handle", Stamp(s, TraceKind.Deliver), Stamp(s, TraceKind.ReplyStart));
                Add("reply", Stamp(s, TraceKind.ReplyStart), Stamp(s, TraceKind.ReplyEnd));
                Add("replyTransit", Stamp(s, TraceKind.ReplyStart), Stamp(s, TraceKind.ReplyArrive));
                Add("ack", Stamp(s, TraceKind.AckStart), Stamp(s, TraceKind.AckEnd));
            }

            // The i-th delivery of a job needs the (i - unacknowledged)-th acknowledgement to have reached the broker.
            var unacknowledgedPerWorker = unacknowledged(job.Contender);
            var delivered = slices.Select(s => Stamp(s, TraceKind.Deliver)).Where(t => t != long.MinValue).Order().ToArray();
            var acked = slices.Select(s => Stamp(s, TraceKind.AckEnd)).Where(t => t != long.MinValue).Order().ToArray();
            for (var i = unacknowledgedPerWorker; i < delivered.Length && i - unacknowledgedPerWorker < acked.Length; i++)
            {
                var ackEnd = acked[i - unacknowledgedPerWorker];
                if (ackEnd <= delivered[i])
                {
                    Add("refill", ackEnd, delivered[i]);
                }
            }

            var lastPublishEnd = slices.Select(s => Stamp(s, TraceKind.PublishEnd)).Max();
            var lastReply = slices.Select(s => Stamp(s, TraceKind.ReplyArrive)).Max();
            Add("setup", job.Start, firstPublish);
            Add("publishAll", firstPublish, lastPublishEnd);
            stages["confirmAfterReplies"].Add(Math.Max(0, Stopwatch.GetElapsedTime(lastReply, lastPublishEnd).TotalMilliseconds));
            Add("tail", Math.Max(lastReply, lastPublishEnd), job.End);
            Add("total", job.Start, job.End);
        }

        return result;
    }

    /// <summary>
    /// The traced pass's targets, on per-slice medians: the worker's own time per trivial slice (the transport hands the
    /// slice to the worker's code -> the reply publish starts) of Pymar with its defaults and on classic queues, and the
    /// reply's way back (reply publish starts -> the producer's transport gets it) of Pymar against the raw reference on
    /// the same queue type. They are targets for the latency job only: in a large job the same stages measure how long
    /// a slice or a reply waits behind the job's others (Pymar holds up to its lookahead per worker, raw RPC one slice
    /// per consumer), so there the lines give the figures without a verdict (<paramref name="underLoad"/>).
    /// </summary>
    public static IEnumerable<string> Targets(Dictionary<string, Dictionary<string, List<double>>> analysis, bool classic, bool underLoad = false)
    {
        var prefix = underLoad ? "under load, not a target:" : "target:";
        string Verdict(bool met) => underLoad ? "not judged here (the target is the latency job's)" : met ? "met" : "MISSED";

        double Median(string contender, string stage) =>
            analysis.TryGetValue(contender, out var stages) ? Stats.Of(stages[stage]).Median : double.NaN;
        string Missing(string contender) => contender == RpcScenarios.PymarClassic && !classic ? "not measured (--no-classic)" : "not measured (no traced slices)";

        foreach (var contender in new[] { RpcScenarios.Pymar, RpcScenarios.PymarClassic })
        {
            var handle = Median(contender, "handle");
            yield return double.IsNaN(handle)
                ? $"{prefix} worker's own time per trivial slice (delivery to the worker's code -> reply publish starts), {contender} <= 0.05 ms: {Missing(contender)}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{prefix} worker's own time per trivial slice (delivery to the worker's code -> reply publish starts), {contender} <= 0.05 ms: {handle:0.0000} ms (median), {Verdict(handle <= 0.05)}");
        }

        foreach (var (contender, reference) in new[] { (RpcScenarios.PymarClassic, RpcScenarios.Raw), (RpcScenarios.Pymar, RpcScenarios.RawQuorum) })
        {
            var ours = Median(contender, "replyTransit");
            var theirs = Median(reference, "replyTransit");
            var what = $"{prefix} reply publish starts -> producer transport gets it, {contender} <= 1.1x {reference}";
            yield return double.IsNaN(ours) || double.IsNaN(theirs)
                ? $"{what}: {Missing(double.IsNaN(ours) ? contender : reference)}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{what}: {ours:0.0000} ms / {theirs:0.0000} ms (medians) = {ours / theirs:0.00}x, {Verdict(ours / theirs <= 1.1)}");
        }
    }

    /// <summary>Formats the stage table: per contender, the median (and mean) of each stage in ms.</summary>
    public static string Format(Dictionary<string, Dictionary<string, List<double>>> analysis, IReadOnlyList<string> contenders, bool withMean)
    {
        var present = contenders.Where(analysis.ContainsKey).ToList();
        var text = new StringBuilder();
        var labelWidth = s_stages.Max(s => s.Label.Length) + 2;
        text.Append(("stage, ms (" + (withMean ? "median / mean" : "median") + ")").PadRight(labelWidth));
        foreach (var name in present)
        {
            text.Append(Short(name).PadLeft(24));
        }

        text.AppendLine();
        foreach (var (key, label) in s_stages)
        {
            text.Append(label.PadRight(labelWidth));
            foreach (var name in present)
            {
                var stats = Stats.Of(analysis[name][key]);
                var cell = stats.Count == 0 ? "-" : withMean ? $"{Report.Format(stats.Median)} / {Report.Format(stats.Mean)}" : Report.Format(stats.Median);
                text.Append(cell.PadLeft(24));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static JsonObject ToJson(Dictionary<string, Dictionary<string, List<double>>> analysis)
    {
        var json = new JsonObject();
        foreach (var (contender, stages) in analysis)
        {
            var stageJson = new JsonObject();
            foreach (var (key, label) in s_stages)
            {
                var stats = Stats.Of(stages[key]);
                stageJson[key] = new JsonObject
                {
                    ["label"] = label.Trim(),
                    ["count"] = stats.Count,
                    ["medianMs"] = Report.Number(stats.Median),
                    ["meanMs"] = Report.Number(stats.Mean),
                    ["p90Ms"] = Report.Number(stats.P90),
                };
            }

            json[contender] = stageJson;
        }

        return json;
    }

    /// <summary>The timeline of one job: each slice's stamps in ms after the call started.</summary>
    public static string Timeline(TracedJob job, IEnumerable<TraceEvent> events)
    {
        static string JobOf(string key) => key[..Math.Max(0, key.LastIndexOf(':'))];
        var jobIds = events.Where(e => e.Kind == TraceKind.PublishStart && e.Timestamp >= job.Start && e.Timestamp <= job.End).Select(e => JobOf(e.Key)).ToHashSet(StringComparer.Ordinal);
        var inJob = events.Where(e => jobIds.Contains(JobOf(e.Key))).ToList();
        var slices = inJob.GroupBy(e => e.Key, StringComparer.Ordinal)
            .Select(g => (Key: g.Key, Stamps: g.GroupBy(e => e.Kind).ToDictionary(k => k.Key, k => k.Min(e => e.Timestamp))))
            .Where(s => s.Stamps.ContainsKey(TraceKind.PublishStart))
            .OrderBy(s => s.Stamps[TraceKind.PublishStart])
            .ToList();
        var kinds = Enum.GetValues<TraceKind>();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"  {job.Contender}: {Stopwatch.GetElapsedTime(job.Start, job.End).TotalMilliseconds:0.000} ms; stamps in ms after the call:\n");
        text.Append("  slice ");
        foreach (var kind in kinds)
        {
            text.Append(kind.ToString().PadLeft(13));
        }

        text.AppendLine();
        foreach (var (key, stamps) in slices)
        {
            text.Append(("  " + key[(key.LastIndexOf(':') + 1)..]).PadRight(8));
            foreach (var kind in kinds)
            {
                text.Append((stamps.TryGetValue(kind, out var t) ? Stopwatch.GetElapsedTime(job.Start, t).TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) : "-").PadLeft(13));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Short(string name) => name.Length <= 22 ? name : name[..22];
}
