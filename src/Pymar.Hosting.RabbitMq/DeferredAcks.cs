namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Holds one consumer channel's acknowledgements for a moment (<see cref="Delay"/>, or until <see cref="FlushAt"/> are
/// held) and then sends them. On a quorum queue each acknowledgement is a Raft command: sent at the instant of their
/// replies, a job's acknowledgements reach the broker together with its replies and hold them up there. Every slice's
/// reply is published before its acknowledgement is held, so holding it changes nothing a producer sees; a worker
/// that dies meanwhile leaves the slice to be redone, as it would have just before acknowledging, and the producer
/// folds one answer per slice.
/// </summary>
/// <remarks>
/// Each delivery is acknowledged on its own (never <c>multiple</c>), so the order in which they go, and the slices
/// rejected meanwhile, do not matter. A delivery counts as settled for the consumer (its <c>onSettled</c>) once its
/// acknowledgement was sent or failed, as the broker counts it against the prefetch until then.
/// </remarks>
internal sealed class DeferredAcks : IDisposable
{
    /// <summary>How long an acknowledgement is held at most.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(1);

    /// <summary>Held acknowledgements are sent at once when this many are held.</summary>
    public const int FlushAt = 8;

    private readonly Func<ulong, ValueTask> _ack;
    private readonly Action<string, Exception> _failed;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private List<HeldAck> _held = [];
    private bool _disposed;

    /// <param name="ack">Sends the acknowledgement of one delivery tag on the channel.</param>
    /// <param name="failed">Told the queue and the error when sending one failed (the broker redelivers that slice when the channel closes).</param>
    /// <param name="time">The clock of <see cref="Delay"/>.</param>
    public DeferredAcks(Func<ulong, ValueTask> ack, Action<string, Exception> failed, TimeProvider time)
    {
        _ack = ack;
        _failed = failed;
        _timer = time.CreateTimer(static state => _ = ((DeferredAcks)state!).FlushAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Acknowledgements held now.</summary>
    internal int Held
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// Holds the acknowledgement of <paramref name="tag"/> (a delivery from <paramref name="queue"/>);
    /// <paramref name="onSettled"/> runs once it was sent or failed. After <see cref="Dispose"/> it is sent at once.
    /// </summary>
    public ValueTask AckAsync(ulong tag, string queue, Action? onSettled)
    {
        bool now;
        lock (_gate)
        {
            _held.Add(new HeldAck(tag, queue, onSettled));
            now = _disposed || _held.Count >= FlushAt;
            if (!now && _held.Count == 1)
            {
                _timer.Change(Delay, Timeout.InfiniteTimeSpan);
            }
        }

        return now ? new ValueTask(FlushAsync()) : ValueTask.CompletedTask;
    }

    /// <summary>Sends every held acknowledgement now (when the timer fires, and before the channel closes). Never throws.</summary>
    public async Task FlushAsync()
    {
        List<HeldAck> held;
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                return;
            }

            held = _held;
            _held = [];
        }

        foreach (var ack in held)
        {
            try
            {
                await _ack(ack.Tag).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Nobody awaits a timer's flush: the failure is logged, and the slice goes back to its queue when the
                // channel closes (a closed channel is the usual cause).
                _failed(ack.Queue, ex);
            }
            finally
            {
                ack.OnSettled?.Invoke();
            }
        }
    }

    /// <summary>Stops the timer; acknowledgements held after this are sent at once. What is held stays for <see cref="FlushAsync"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private readonly record struct HeldAck(ulong Tag, string Queue, Action? OnSettled);
}
