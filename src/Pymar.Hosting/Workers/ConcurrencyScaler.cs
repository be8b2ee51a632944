using System.Globalization;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Decides the slots of an elastic worker pool (<see cref="WorkerOptions.Concurrency"/> a range) from what the pool
/// sees once a second: it grows by one slot while slices wait for one and the process's CPU is not saturated (at most
/// one slot per <see cref="GrowEvery"/>), and after <see cref="WorkerOptions.ScaleDownAfter"/> with no slice waiting it
/// shrinks to the slots still busy, never below the minimum nor above the maximum.
/// </summary>
/// <example>
/// Range 2..6, 40 slices waiting, CPU at 30%: a second after the start the pool has 3 slots, a second later 4. The
/// queue drains, nothing waits for 30 s, one slice still runs: 2 slots (the minimum; the running slice finishes).
/// </example>
internal sealed class ConcurrencyScaler
{
    /// <summary>The least time between two changes (and so the pace of growth).</summary>
    public static readonly TimeSpan GrowEvery = TimeSpan.FromSeconds(1);

    /// <summary>From this share of the machine's processors (used by this process) on, the pool does not grow.</summary>
    public const double SaturatedCpu = 0.9;

    private readonly WorkerConcurrency _range;
    private readonly TimeSpan _scaleDownAfter;
    private readonly TimeProvider _time;
    private long _lastChange;
    private long _lastBacklog;

    /// <param name="range">The slots the pool moves within; it starts at the minimum.</param>
    /// <param name="scaleDownAfter">How long without a waiting slice before it shrinks.</param>
    /// <param name="time">The clock.</param>
    public ConcurrencyScaler(WorkerConcurrency range, TimeSpan scaleDownAfter, TimeProvider time)
    {
        _range = range;
        _scaleDownAfter = scaleDownAfter;
        _time = time;
        Slots = range.Min;
        _lastChange = _lastBacklog = time.GetTimestamp();
    }

    /// <summary>The slots decided last.</summary>
    public int Slots { get; private set; }

    /// <summary>Takes one sample and returns the change it decides, or null to keep the slots.</summary>
    /// <param name="backlog">Slices waiting: delivered and not started, plus those waiting in the queues when known.</param>
    /// <param name="busy">Slots running a slice now.</param>
    /// <param name="cpuLoad">The process's CPU time over wall time and processor count since the last sample (0 to 1).</param>
    public ConcurrencyChange? Sample(long backlog, int busy, double cpuLoad)
    {
        var now = _time.GetTimestamp();
        if (backlog > 0)
        {
            _lastBacklog = now;
            return Slots < _range.Max && cpuLoad < SaturatedCpu && _time.GetElapsedTime(_lastChange, now) >= GrowEvery
                ? Change(Slots + 1, string.Create(CultureInfo.InvariantCulture, $"{backlog} slice(s) waiting, process CPU at {cpuLoad * 100:0}%"), now)
                : null;
        }

        var target = Math.Clamp(busy, _range.Min, Slots);
        return target < Slots && _time.GetElapsedTime(_lastBacklog, now) >= _scaleDownAfter
            ? Change(target, string.Create(CultureInfo.InvariantCulture, $"no slice waiting for {_scaleDownAfter.TotalSeconds:0.###} s, {busy} busy"), now)
            : null;
    }

    private ConcurrencyChange Change(int to, string reason, long now)
    {
        var change = new ConcurrencyChange(Slots, to, reason);
        Slots = to;
        _lastChange = now;
        return change;
    }
}
