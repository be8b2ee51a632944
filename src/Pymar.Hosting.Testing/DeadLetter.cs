namespace Pymar.Hosting.Testing;

/// <summary>A slice message the <see cref="InProcessBroker"/> dead-lettered: a worker rejected it without requeue.</summary>
/// <param name="Queue">The queue it came from (the producer's name).</param>
/// <param name="Body">Its body, as published.</param>
/// <param name="Reason">Why the worker rejected it.</param>
public sealed record DeadLetter(string Queue, ReadOnlyMemory<byte> Body, string? Reason);
