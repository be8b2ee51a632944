using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// One line of the history: a fault, a job, or a check. <see cref="At"/> is seconds since the campaign began;
/// <see cref="RecoveryMs"/> is, for a fault, the time from its injection until the job it hit answered exactly (or, for
/// a fault that must fail its job, until the documented error came); <see cref="Ok"/> is whether the outcome is the
/// one the campaign requires.
/// </summary>
internal sealed record HistoryEntry(
    double At,
    string Type,
    int Job,
    string What,
    string Outcome,
    bool Ok,
    double? DurationMs = null,
    double? RecoveryMs = null,
    double? RepairMs = null,
    string? Detail = null);

/// <summary>The history as JSON lines, written as the campaign goes (a line per fault, per job, per check).</summary>
internal sealed class History : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly StreamWriter _writer;
    private readonly List<HistoryEntry> _entries = [];

    public History(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: false);
    }

    public IReadOnlyList<HistoryEntry> Entries => _entries;

    public async Task AddAsync(HistoryEntry entry)
    {
        _entries.Add(entry);
        await _writer.WriteLineAsync(JsonSerializer.Serialize(entry, s_json));
        await _writer.FlushAsync();
        Console.WriteLine($"[{entry.At,7:0.0} s] {entry.Type} {(entry.Job > 0 ? entry.Job : "")} {entry.What}: {entry.Outcome}{(entry.Ok ? "" : " (NOT OK)")}" +
            $"{(entry.RecoveryMs is { } r ? $", recovered in {r / 1000:0.0} s" : "")}{(entry.Detail is { } d ? $" — {d}" : "")}");
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
