namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A token that is cancelled once the connection is seen closed, looked at every <see cref="Poll"/>; a fresh one is
/// handed out once it is open again. Every publish carries it. RabbitMQ.Client 7.1 and 7.2 can leave a publish waiting
/// forever to hand its frame to a socket writer that has died (a connection stalled by the broker, then closed): that
/// publish holds the channel's confirm lock, which the channel's shutdown waits for, so the connection never recovers.
/// Cancelling it lets the shutdown finish and the recovery start; the publish fails as a lost connection and is made
/// again once the connection is back.
/// </summary>
internal sealed class ConnectionLossSignal : IDisposable
{
    /// <summary>How often the connection is looked at.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly Func<bool> _isOpen;
    private readonly ITimer _timer;
    private CancellationTokenSource _lost = new();

    public ConnectionLossSignal(Func<bool> isOpen, TimeProvider time)
    {
        _isOpen = isOpen;
        _timer = time.CreateTimer(static state => ((ConnectionLossSignal)state!).Check(), this, Poll, Poll);
    }

    /// <summary>Cancelled once the connection is seen closed (already cancelled while it is still closed).</summary>
    public CancellationToken Token
    {
        get
        {
            var current = Volatile.Read(ref _lost);
            if (current.IsCancellationRequested && _isOpen())
            {
                // Open again: a fresh token (the old one stays cancelled for the publishes that hold it).
                var fresh = new CancellationTokenSource();
                current = Interlocked.CompareExchange(ref _lost, fresh, current) == current ? fresh : Volatile.Read(ref _lost);
            }

            return current.Token;
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var current = Volatile.Read(ref _lost);
        if (!current.IsCancellationRequested && !_isOpen())
        {
            current.Cancel();
        }
    }
}
