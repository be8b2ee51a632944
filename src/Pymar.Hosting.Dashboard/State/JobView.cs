namespace Pymar.Hosting.Dashboard.State;

/// <summary>One job as the page shows it; times are Unix milliseconds, durations milliseconds.</summary>
internal sealed record JobView(
    string JobId,
    string? Producer,
    int? SliceCount,
    int Answered,
    int Retries,
    int Speculative,
    int SliceFailures,
    double ElapsedMs,
    double? EtaMs,
    string State,
    long? AnswerBytes,
    string? Error,
    long StartedAt);
