namespace Pymar.Hosting;

/// <summary>A slice that failed on every attempt, as listed in a <see cref="MapResult{TValue}"/>.</summary>
/// <param name="SliceIndex">The slice's index in its job.</param>
/// <param name="Window">The slice's window.</param>
/// <param name="Error">The error of its last attempt, as the worker reported it.</param>
/// <param name="Attempts">How many times it was tried.</param>
public sealed record SliceFailure(int SliceIndex, SliceWindow Window, RemoteError Error, int Attempts);
