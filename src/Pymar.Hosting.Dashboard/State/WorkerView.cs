namespace Pymar.Hosting.Dashboard.State;

/// <summary>One worker as the page shows it; <see cref="Slots"/> is its slots as the row reads, <c>4</c> or <c>3 (2..6)</c> for an elastic pool.</summary>
internal sealed record WorkerView(
    string Id,
    string? Host,
    int? ProcessId,
    IReadOnlyList<string> Producers,
    int SlotsTotal,
    string Slots,
    int SlotsBusy,
    long SlicesDone,
    long LastSeen,
    string State);
