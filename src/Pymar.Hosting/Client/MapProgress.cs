namespace Pymar.Hosting;

/// <summary>How far a job has come.</summary>
/// <param name="CompletedSlices">Slices whose partial value has been folded in.</param>
/// <param name="TotalSlices">Slices the job was cut into.</param>
public readonly record struct MapProgress(int CompletedSlices, int TotalSlices);
