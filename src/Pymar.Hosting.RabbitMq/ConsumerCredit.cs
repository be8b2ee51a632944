namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A consumer on one queue with a prefetch of <see cref="Size"/>: that many credits of the budget. Once cancelled,
/// the slices it still holds count in the consumer's orphaned total until they are settled.
/// </summary>
internal sealed class ConsumerCredit(int queueIndex, int size)
{
    private readonly Lock _gate = new();
    private int _unacked;
    private bool _cancelled;

    public int QueueIndex => queueIndex;

    public int Size => size;

    public string Tag { get; set; } = string.Empty;

    public int Unacked => Volatile.Read(ref _unacked);

    public bool IsCancelled
    {
        get
        {
            lock (_gate)
            {
                return _cancelled;
            }
        }
    }

    public void Delivered(ref int orphaned)
    {
        lock (_gate)
        {
            _unacked++;
            if (_cancelled)
            {
                // Sent before the broker saw the cancel.
                Interlocked.Increment(ref orphaned);
            }
        }
    }

    /// <summary>True when this frees room in the budget (the credit was cancelled).</summary>
    public bool Settled(ref int orphaned)
    {
        lock (_gate)
        {
            _unacked--;
            if (_cancelled)
            {
                Interlocked.Decrement(ref orphaned);
                return true;
            }

            return false;
        }
    }

    /// <summary>Undoes <see cref="Cancel"/> when the cancel did not reach the broker.</summary>
    public void Restore(ref int orphaned)
    {
        lock (_gate)
        {
            if (_cancelled)
            {
                _cancelled = false;
                Interlocked.Add(ref orphaned, -_unacked);
            }
        }
    }

    public void Cancel(ref int orphaned)
    {
        lock (_gate)
        {
            if (!_cancelled)
            {
                _cancelled = true;
                Interlocked.Add(ref orphaned, _unacked);
            }
        }
    }
}
