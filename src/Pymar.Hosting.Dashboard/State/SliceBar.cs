namespace Pymar.Hosting.Dashboard.State;

/// <summary>One slice in the task stream: its lane (worker and slot), job and span in Unix milliseconds; no end while it runs.</summary>
internal sealed record SliceBar(
    string Worker,
    int? Slot,
    string? JobId,
    string? Producer,
    int? SliceIndex,
    int? Attempt,
    double Start,
    double? End,
    bool Failed);
