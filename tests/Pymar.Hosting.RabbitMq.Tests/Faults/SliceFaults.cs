using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// Which slices fail, and how often, for <see cref="FlakySumProducer"/>; one instance per test, shared by its worker
/// host (through DI) and the test. It records when each attempt started.
/// </summary>
public sealed class SliceFaults
{
    private readonly ConcurrentDictionary<long, int> _failuresLeft = new();
    private readonly ConcurrentQueue<(long Offset, long Timestamp)> _attempts = new();

    /// <summary>The slice that starts at <paramref name="offset"/> throws its first <paramref name="times"/> attempts.</summary>
    public SliceFaults Fail(long offset, int times = int.MaxValue)
    {
        _failuresLeft[offset] = times;
        return this;
    }

    /// <summary>When the attempts at the slice starting at <paramref name="offset"/> started (<see cref="Stopwatch"/> timestamps).</summary>
    public IReadOnlyList<long> AttemptsAt(long offset) => [.. _attempts.Where(a => a.Offset == offset).Select(a => a.Timestamp)];

    internal void Attempt(SliceWindow window)
    {
        _attempts.Enqueue((window.Offset, Stopwatch.GetTimestamp()));
        var left = _failuresLeft.GetValueOrDefault(window.Offset);
        if (left > 0)
        {
            _failuresLeft[window.Offset] = left - 1;
            throw new InvalidOperationException($"Slice {window} failed on purpose.");
        }
    }
}
