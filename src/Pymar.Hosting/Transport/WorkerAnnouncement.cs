namespace Pymar.Hosting.Transport;

/// <summary>What a worker pool tells producers about itself through <see cref="IWorkerPresence"/>.</summary>
/// <param name="WorkerId">The pool's id, unique among the live pools.</param>
/// <param name="Producers">The registered producer names it serves.</param>
/// <param name="Slots">How many slices it runs at once.</param>
public sealed record WorkerAnnouncement(string WorkerId, IReadOnlyList<string> Producers, int Slots);
