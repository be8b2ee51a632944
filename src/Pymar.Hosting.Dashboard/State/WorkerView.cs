namespace Pymar.Hosting.Dashboard.State;

/// <summary>One worker as the page shows it.</summary>
internal sealed record WorkerView(
    string Id,
    string? Host,
    int? ProcessId,
    IReadOnlyList<string> Producers,
    int SlotsTotal,
    int SlotsBusy,
    long SlicesDone,
    long LastSeen,
    string State);
