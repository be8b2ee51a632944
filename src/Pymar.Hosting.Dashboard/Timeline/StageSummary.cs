namespace Pymar.Hosting.Dashboard.Timeline;

/// <summary>One stage (one job) of a timeline: its slices' counts and durations, in milliseconds.</summary>
internal sealed record StageSummary(
    string JobId,
    string? Producer,
    string State,
    int? SliceCount,
    int Answered,
    int SliceFailures,
    int Retries,
    int Speculative,
    int Workers,
    double WallMs,
    double MinMs,
    double MedianMs,
    double MaxMs,
    double TotalMs,
    long? AnswerBytes);
