using System.Text;
using System.Text.Json;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Timeline;

/// <summary>
/// Writes a job's timeline after the fact: one self-contained HTML file (no network fetches) with the task stream of its
/// slices, one lane per worker slot, and a per-stage summary (a stage is one job: slices, failures, durations).
/// </summary>
/// <example>
/// <code>
/// var recorder = new PymarEventRecorder();
/// await using (await bus.SubscribeAsync(recorder, ct))
/// {
///     await client.MapAsync(...);
/// }
/// await TimelineWriter.WriteAsync("timeline.html", recorder.Events, ct);
/// </code>
/// </example>
public static class TimelineWriter
{
    private static readonly Lazy<string> s_template = new(() => DashboardAssets.Read("timeline.html").Replace("/*TASKSTREAM*/", DashboardAssets.Read("taskstream.js"), StringComparison.Ordinal));

    /// <summary>Writes the timeline of <paramref name="events"/> (slice and job events; others are ignored) to <paramref name="path"/>.</summary>
    /// <param name="path">The HTML file to write; its folder is created.</param>
    /// <param name="events">The events of one job or of several (each job is a stage).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task WriteAsync(string path, IEnumerable<PymarEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(events);
        var html = Render(events, Path.GetFileNameWithoutExtension(path));
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await File.WriteAllTextAsync(path, html, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The timeline as an HTML document.</summary>
    /// <param name="events">The events of one job or of several.</param>
    /// <param name="title">The page's title.</param>
    public static string Render(IEnumerable<PymarEvent> events, string title)
    {
        ArgumentNullException.ThrowIfNull(events);
        var data = Build([.. events], title);

        // The default encoder escapes <, > and &, so the JSON cannot end the script element it sits in.
        var json = JsonSerializer.Serialize(data, DashboardJsonContext.Default.TimelineData);
        return s_template.Value
            .Replace("\"__TIMELINE_DATA__\"", json, StringComparison.Ordinal)
            .Replace("__TIMELINE_TITLE__", System.Net.WebUtility.HtmlEncode(title), StringComparison.Ordinal);
    }

    private static TimelineData Build(IReadOnlyList<PymarEvent> events, string title)
    {
        var bars = events
            .Where(e => e.Kind is PymarEventKinds.SliceFinished or PymarEventKinds.SliceFailed)
            .Select(e =>
            {
                var end = e.Time.ToUnixTimeMilliseconds();
                return new SliceBar(e.Worker ?? "?", e.Slot, e.JobId, e.Producer, e.SliceIndex, e.Attempt, end - (e.DurationMs ?? 0), end, e.Kind == PymarEventKinds.SliceFailed);
            })
            .OrderBy(b => b.Start)
            .ToList();
        var jobIds = events.Where(e => e.JobId is not null).Select(e => e.JobId!).Distinct(StringComparer.Ordinal).ToList();
        var stages = jobIds.Select(id => Stage(id, events.Where(e => e.JobId == id).ToList(), bars.Where(b => b.JobId == id).ToList())).ToList();
        return new TimelineData(title, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), bars, stages);
    }

    private static StageSummary Stage(string jobId, List<PymarEvent> events, List<SliceBar> bars)
    {
        var last = events.LastOrDefault(e => e.Kind is PymarEventKinds.JobFinished or PymarEventKinds.JobFailed)
            ?? events.LastOrDefault(e => e.Kind is PymarEventKinds.JobProgress or PymarEventKinds.JobStarted);
        var durations = bars.Where(b => !b.Failed).Select(b => (b.End ?? b.Start) - b.Start).Order().ToList();
        var answered = bars.Where(b => !b.Failed && b.SliceIndex is not null).Select(b => b.SliceIndex).Distinct().Count();
        var wall = last?.ElapsedMs ?? (bars.Count == 0 ? 0 : bars.Max(b => b.End ?? b.Start) - bars.Min(b => b.Start));
        var state = last?.Kind switch
        {
            PymarEventKinds.JobFinished => "finished",
            PymarEventKinds.JobFailed => "failed",
            _ => "unknown",
        };
        return new StageSummary(
            jobId,
            events.Select(e => e.Producer).FirstOrDefault(p => p is not null),
            state,
            last?.SliceCount,
            Math.Max(answered, last?.Answered ?? 0),
            bars.Count(b => b.Failed),
            last?.Retries ?? 0,
            last?.Speculative ?? 0,
            bars.Select(b => b.Worker).Distinct(StringComparer.Ordinal).Count(),
            wall,
            durations.Count == 0 ? 0 : durations[0],
            durations.Count == 0 ? 0 : durations[durations.Count / 2],
            durations.Count == 0 ? 0 : durations[^1],
            durations.Sum(),
            last?.AnswerBytes);
    }
}
