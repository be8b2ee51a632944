namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Notices publishes that wait for RabbitMQ's confirms while none arrives: a node can go on taking messages it cannot
/// confirm (cut off from a queue's leader) while the connection stays open, and a publish would then wait forever.
/// Each publish enters before it is written and leaves once confirmed or failed; when publishes wait and none has left
/// for the timeout, <c>onStalled</c> is told how many wait. A paused transport (the connection recovering, or blocked
/// by a broker alarm) is not stalled: its waiting starts anew once it goes on.
/// </summary>
internal sealed class ConfirmWatch : IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _timeout;
    private readonly Func<bool> _paused;
    private readonly Action<int> _onStalled;
    private readonly ITimer _timer;
    private int _waiting;
    private long _progressAt;

    public ConfirmWatch(TimeSpan timeout, TimeProvider time, Func<bool> paused, Action<int> onStalled)
    {
        _time = time;
        _timeout = (long)(timeout.TotalSeconds * time.TimestampFrequency);
        _paused = paused;
        _onStalled = onStalled;
        var period = TimeSpan.FromTicks(Math.Max(timeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks));
        _timer = time.CreateTimer(static state => ((ConfirmWatch)state!).Check(), this, period, period);
    }

    /// <summary>A publish starts waiting for its confirm.</summary>
    public void Enter()
    {
        if (Interlocked.Increment(ref _waiting) == 1)
        {
            Volatile.Write(ref _progressAt, _time.GetTimestamp());
        }
    }

    /// <summary>A publish was confirmed, refused, or failed.</summary>
    public void Leave()
    {
        Volatile.Write(ref _progressAt, _time.GetTimestamp());
        Interlocked.Decrement(ref _waiting);
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var waiting = Volatile.Read(ref _waiting);
        var now = _time.GetTimestamp();
        if (waiting == 0)
        {
            return;
        }

        if (_paused())
        {
            Volatile.Write(ref _progressAt, now);
            return;
        }

        if (now - Volatile.Read(ref _progressAt) < _timeout)
        {
            return;
        }

        // The next look waits a whole timeout again: the publishes failed now are published again meanwhile.
        Volatile.Write(ref _progressAt, now);
        _onStalled(waiting);
    }
}
