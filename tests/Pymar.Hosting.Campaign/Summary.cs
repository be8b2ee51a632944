using System.Globalization;

namespace Pymar.Hosting.Campaign;

/// <summary>One row of the faults table: a kind, how often it struck, how many of its jobs were exact, and its recovery times.</summary>
internal sealed record FaultRow(string Kind, int Count, int Ok, int HitRunning, double? P50Ms, double? MaxMs);

/// <summary>The figures of a history: jobs exact, and per fault kind the count and the recovery p50 and max.</summary>
internal static class Summary
{
    public static (int Exact, int Jobs) JobsExact(IReadOnlyList<HistoryEntry> entries)
    {
        var jobs = entries.Where(e => e.Type == "job").ToList();
        return (jobs.Count(j => j.Ok), jobs.Count);
    }

    public static IReadOnlyList<FaultRow> Faults(IReadOnlyList<HistoryEntry> entries) =>
        [.. entries.Where(e => e.Type == "fault")
            .GroupBy(e => e.What)
            .OrderBy(g => Enum.Parse<FaultKind>(g.Key))
            .Select(g =>
            {
                var recoveries = g.Where(e => e.RecoveryMs is not null).Select(e => e.RecoveryMs!.Value).Order().ToList();
                return new FaultRow(
                    g.Key,
                    g.Count(),
                    g.Count(e => e.Ok),
                    g.Count(e => e.Outcome != "struck after its job ended"),
                    recoveries.Count == 0 ? null : recoveries[(recoveries.Count - 1) / 2],
                    recoveries.Count == 0 ? null : recoveries[^1]);
            })];

    /// <summary>The faults table as Markdown-like text, for the console.</summary>
    public static string Text(IReadOnlyList<HistoryEntry> entries)
    {
        var (exact, jobs) = JobsExact(entries);
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"jobs exact: {exact} of {jobs}"),
            "| fault | struck | while its job ran | outcome as required | recovery p50 | recovery max |",
            "|---|---|---|---|---|---|",
        };
        lines.AddRange(Faults(entries).Select(r => string.Create(
            CultureInfo.InvariantCulture,
            $"| {r.Kind} | {r.Count} | {r.HitRunning} | {r.Ok} | {Seconds(r.P50Ms)} | {Seconds(r.MaxMs)} |")));
        return string.Join('\n', lines);
    }

    public static string Seconds(double? milliseconds) =>
        milliseconds is { } ms ? string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.0} s") : "–";
}
