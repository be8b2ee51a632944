using System.Diagnostics;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Sizes a worker's lookahead from the rate at which its slots finish slices: it holds the slices they finish in
/// <see cref="RabbitMqOptions.LookaheadWork"/>, between <see cref="RabbitMqOptions.PrefetchLookahead"/> and
/// <see cref="RabbitMqOptions.MaxPrefetchLookahead"/>. Short slices then never leave a slot waiting a broker round
/// trip for its next one, and long slices are not hoarded (their rate keeps the lookahead at its floor).
/// </summary>
/// <remarks>
/// The rate is counted only while every slot is busy (at least as many slices held as slots), so an idle or half-busy
/// worker does not read as a slow one. The lookahead grows at once and shrinks only to half or less of what it is,
/// since each change costs the consumer a new <c>basic.consume</c>. Timestamps are <see cref="Stopwatch"/> ticks.
/// </remarks>
internal sealed class AdaptiveLookahead
{
    // A decision needs this much time with every slot busy and this many slices settled in it.
    private static readonly long s_minBusyTicks = Stopwatch.Frequency / 20;
    private const int MinSettled = 8;

    // What was counted is forgotten after this long without a decision.
    private static readonly long s_stalenessTicks = Stopwatch.Frequency * 2;

    private readonly Lock _gate = new();
    private int _slots;
    private readonly int _floor;
    private readonly int _max;
    private readonly double _workSeconds;
    private int _held;
    private long _since;
    private long _busyTicks;
    private int _busySettled;
    private long _countingSince;
    private int _lookahead;

    /// <param name="slots">The worker's slots (its concurrency).</param>
    /// <param name="floor">The least lookahead (<see cref="RabbitMqOptions.PrefetchLookahead"/>).</param>
    /// <param name="max">The most (<see cref="RabbitMqOptions.MaxPrefetchLookahead"/>).</param>
    /// <param name="work">How much work the lookahead may hold (<see cref="RabbitMqOptions.LookaheadWork"/>).</param>
    /// <param name="now">The time it starts counting.</param>
    public AdaptiveLookahead(int slots, int floor, int max, TimeSpan work, long now)
    {
        _slots = Math.Max(1, slots);
        _floor = floor;
        _max = Math.Max(floor, max);
        _workSeconds = work.TotalSeconds;
        _lookahead = floor;
        _since = now;
        _countingSince = now;
    }

    /// <summary>The lookahead now.</summary>
    public int Lookahead => Volatile.Read(ref _lookahead);

    /// <summary>Slots plus the lookahead now: the most slices the worker may hold.</summary>
    public int Budget => Volatile.Read(ref _slots) + Lookahead;

    /// <summary>The worker's slots changed (an elastic pool): the rate is counted afresh against them.</summary>
    public void Resize(int slots, long now)
    {
        lock (_gate)
        {
            Count(now);
            Volatile.Write(ref _slots, Math.Max(1, slots));
            Restart(now);
        }
    }

    /// <summary>A slice was delivered to the worker.</summary>
    public void Delivered(long now)
    {
        lock (_gate)
        {
            Count(now);
            _held++;
        }
    }

    /// <summary>A slice was acknowledged or rejected.</summary>
    public void Settled(long now)
    {
        lock (_gate)
        {
            Count(now);
            if (_held >= _slots)
            {
                _busySettled++;
            }

            _held = Math.Max(0, _held - 1);
        }
    }

    /// <summary>Decides the lookahead from what was counted since the last decision; true when it changed.</summary>
    public bool Decide(long now)
    {
        lock (_gate)
        {
            Count(now);
            if (_busyTicks < s_minBusyTicks || _busySettled < MinSettled)
            {
                if (now - _countingSince > s_stalenessTicks)
                {
                    Restart(now);
                }

                return false;
            }

            var rate = _busySettled / ((double)_busyTicks / Stopwatch.Frequency);
            Restart(now);
            var target = (int)Math.Clamp(Math.Ceiling(rate * _workSeconds), _floor, _max);
            var current = _lookahead;
            if (target >= current + Math.Max(1, current / 2) || target * 2 <= current)
            {
                Volatile.Write(ref _lookahead, target);
                return true;
            }

            return false;
        }
    }

    private void Count(long now)
    {
        if (_held >= _slots)
        {
            _busyTicks += now - _since;
        }

        _since = now;
    }

    private void Restart(long now)
    {
        _busyTicks = 0;
        _busySettled = 0;
        _countingSince = now;
    }
}
