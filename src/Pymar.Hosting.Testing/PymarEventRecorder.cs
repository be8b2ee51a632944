using Pymar.Hosting.Events;

namespace Pymar.Hosting.Testing;

/// <summary>
/// Keeps the events it receives, for a test to read afterwards: subscribe it with
/// <see cref="IPymarEventBus.SubscribeAsync"/> before the job starts (<see cref="PymarTestHarness.Events"/> is one,
/// subscribed already), then read <see cref="Events"/> or <see cref="ForJob"/>.
/// It keeps at most <c>capacity</c> events (the oldest go first).
/// </summary>
/// <param name="capacity">The most events kept. Defaults to 100,000.</param>
public sealed class PymarEventRecorder(int capacity = 100_000) : IPymarEventHandler
{
    private readonly Lock _lock = new();
    private readonly Queue<PymarEvent> _events = new();

    /// <summary>How many events arrived that were not events (garbage on the exchange).</summary>
    public long Malformed { get; private set; }

    /// <summary>Every event kept, in arrival order.</summary>
    public IReadOnlyList<PymarEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The events of one job (its job and slice events), in arrival order.</summary>
    /// <param name="jobId">The job's id.</param>
    public IReadOnlyList<PymarEvent> ForJob(string jobId)
    {
        lock (_lock)
        {
            return [.. _events.Where(e => e.JobId == jobId)];
        }
    }

    /// <inheritdoc />
    public void OnEvent(PymarEvent pymarEvent)
    {
        ArgumentNullException.ThrowIfNull(pymarEvent);
        lock (_lock)
        {
            _events.Enqueue(pymarEvent);
            while (_events.Count > capacity)
            {
                _events.Dequeue();
            }
        }
    }

    /// <inheritdoc />
    public void OnMalformed(string reason)
    {
        lock (_lock)
        {
            Malformed++;
        }
    }
}
