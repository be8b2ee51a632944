using System.Globalization;
using System.Net;
using System.Text;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// The campaign's HTML report: a timeline (inline SVG: a lane of jobs, a lane per fault kind, each bar from start or
/// injection to its end or recovery, red when the outcome is not the one required) and the faults table.
/// </summary>
internal static class HtmlReport
{
    private const int Width = 1200;
    private const int Left = 170;
    private const int Lane = 22;

    public static async Task WriteAsync(string path, int seed, IReadOnlyList<HistoryEntry> entries, string machine)
    {
        var end = Math.Max(1, entries.Max(e => e.At + ((e.DurationMs ?? e.RecoveryMs ?? 0) / 1000)));
        var lanes = new List<string> { "jobs" };
        lanes.AddRange(Enum.GetNames<FaultKind>());
        var scale = (Width - Left - 20) / end;
        var svg = new StringBuilder();
        var height = (lanes.Count * Lane) + 40;
        svg.Append(Invariant($"<svg xmlns='http://www.w3.org/2000/svg' width='{Width}' height='{height}' font-family='sans-serif' font-size='11'>"));
        for (var i = 0; i < lanes.Count; i++)
        {
            svg.Append(Invariant($"<text x='4' y='{(i * Lane) + 15}'>{lanes[i]}</text><line x1='{Left}' x2='{Width - 20}' y1='{(i * Lane) + 20}' y2='{(i * Lane) + 20}' stroke='#eee'/>"));
        }

        for (var t = 0; t <= end; t += end > 600 ? 120 : 30)
        {
            var x = Left + (t * scale);
            svg.Append(Invariant($"<line x1='{x:0.0}' x2='{x:0.0}' y1='0' y2='{height - 25}' stroke='#ddd'/><text x='{x:0.0}' y='{height - 10}'>{t} s</text>"));
        }

        foreach (var e in entries.Where(e => e.Type is "job" or "fault"))
        {
            var lane = e.Type == "job" ? 0 : lanes.IndexOf(e.What);
            var length = (e.Type == "job" ? e.DurationMs : e.RecoveryMs) ?? 0;
            var x = Left + (e.At * scale);
            var w = Math.Max(2, length / 1000 * scale);
            var color = e.Ok ? (e.Type == "job" ? "#4a90d9" : "#e0a030") : "#d0312d";
            svg.Append(Invariant($"<rect x='{x:0.0}' y='{(lane * Lane) + 5}' width='{w:0.0}' height='{Lane - 8}' fill='{color}'><title>{Html($"{e.Type} {e.Job}: {e.What}: {e.Outcome} {e.Detail}")}</title></rect>"));
        }

        svg.Append("</svg>");
        var (exact, jobs) = Summary.JobsExact(entries);
        var rows = string.Concat(Summary.Faults(entries).Select(r => Invariant(
            $"<tr><td>{r.Kind}</td><td>{r.Count}</td><td>{r.HitRunning}</td><td>{r.Ok}</td><td>{Summary.Seconds(r.P50Ms)}</td><td>{Summary.Seconds(r.MaxMs)}</td></tr>")));
        var problems = string.Concat(entries.Where(e => !e.Ok).Select(e => $"<li>{Html($"[{e.At:0.0} s] {e.Type} {e.Job} {e.What}: {e.Outcome} — {e.Detail}")}</li>"));
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Pymar fault campaign, seed {seed}</title>
            <style>body{"{"}font-family:sans-serif;margin:2em{"}"} table{"{"}border-collapse:collapse{"}"} td,th{"{"}border:1px solid #ccc;padding:3px 8px;text-align:right{"}"} td:first-child{"{"}text-align:left{"}"}</style></head>
            <body>
            <h1>Fault campaign, seed {seed}</h1>
            <p>{Html(machine)}</p>
            <p><b>Jobs exact: {exact} of {jobs}.</b> Blue: a job, from its start to its answer. Orange: a fault, from its injection to the exact answer of the job it struck (or its required error). Red: an outcome other than the one required. Hover a bar for details.</p>
            {svg}
            <h2>Faults by kind</h2>
            <table><tr><th>fault</th><th>struck</th><th>while its job ran</th><th>outcome as required</th><th>recovery p50</th><th>recovery max</th></tr>{rows}</table>
            <h2>Outcomes other than required</h2><ul>{(problems.Length == 0 ? "<li>none</li>" : problems)}</ul>
            </body></html>
            """;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, html);
    }

    private static string Html(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
