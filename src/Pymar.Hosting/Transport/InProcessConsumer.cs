using System.Collections.Concurrent;

namespace Pymar.Hosting.Transport;

/// <summary>
/// Takes messages from in-process queues while fewer than <c>prefetch</c> are unacknowledged, as a broker's
/// consumer with a prefetch count does. On dispose, unacknowledged messages return to their queue. The prefetch can
/// change while it consumes (<see cref="IResizableSliceConsumer"/>): a smaller one is taken from the free slots now and
/// from the held messages as they are settled.
/// </summary>
internal sealed class InProcessConsumer : ISliceConsumer, IResizableSliceConsumer
{
    private readonly InProcessBroker _broker;
    private readonly Func<SliceDelivery, CancellationToken, ValueTask> _onSlice;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Delivery, byte> _unacknowledged = new();
    private readonly Task[] _pumps;
    private readonly IReadOnlyCollection<string> _queues;
    private readonly Lock _resizing = new();
    private int _prefetch;

    // Slots a smaller prefetch still has to take back: settled messages pay it off before they free a slot.
    private int _owed;

    public InProcessConsumer(InProcessBroker broker, IReadOnlyCollection<string> queues, int prefetch, Func<SliceDelivery, CancellationToken, ValueTask> onSlice)
    {
        _broker = broker;
        _onSlice = onSlice;
        _slots = new SemaphoreSlim(prefetch);
        _prefetch = prefetch;
        _queues = queues;
        _pumps = queues.Select(queue => Task.Run(() => PumpAsync(queue, _stopping.Token))).ToArray();
    }

    public async ValueTask PauseAsync(CancellationToken cancellationToken = default)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_pumps).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask ResizeAsync(int prefetch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        lock (_resizing)
        {
            var change = prefetch - _prefetch;
            _prefetch = prefetch;
            if (change > 0)
            {
                // Pay off what an earlier shrink still owes first, then free the rest.
                var freed = change - TakeOwed(change);
                if (freed > 0)
                {
                    _slots.Release(freed);
                }
            }

            for (; change < 0 && _slots.Wait(0, CancellationToken.None); change++)
            {
            }

            if (change < 0)
            {
                Interlocked.Add(ref _owed, -change);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<long> CountWaitingAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_queues.Sum(queue => (long)_broker.CountWaiting(queue)));

    public async ValueTask DisposeAsync()
    {
        await PauseAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var delivery in _unacknowledged.Keys)
        {
            delivery.ReturnToQueue();
        }

        _stopping.Dispose();
    }

    private async Task PumpAsync(string queue, CancellationToken stopping)
    {
        var reader = _broker.Queue(queue).Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                await _slots.WaitAsync(stopping).ConfigureAwait(false);
                if (!reader.TryRead(out var message))
                {
                    FreeSlot();
                    continue;
                }

                var delivery = new Delivery(this, queue, message with { DeliveryCount = message.DeliveryCount + 1 });
                _unacknowledged[delivery] = 0;
                await _onSlice(delivery, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>A held slot ends: it pays off a smaller prefetch, or is free again.</summary>
    private void FreeSlot()
    {
        if (TakeOwed(1) == 0)
        {
            _slots.Release();
        }
    }

    /// <summary>Takes up to <paramref name="most"/> of the slots still owed; returns how many.</summary>
    private int TakeOwed(int most)
    {
        while (Volatile.Read(ref _owed) is var owed && owed > 0)
        {
            var taken = Math.Min(owed, most);
            if (Interlocked.CompareExchange(ref _owed, owed - taken, owed) == owed)
            {
                return taken;
            }
        }

        return 0;
    }

    private sealed class Delivery(InProcessConsumer consumer, string queue, InProcessMessage message) : SliceDelivery
    {
        private int _settled;

        public override ReadOnlyMemory<byte> Body => message.Body;

        public override bool Redelivered => message.DeliveryCount > 1;

        public override int DeliveryCount => message.DeliveryCount;

        public override string? ReplyTo => message.ReplyTo;

        public override string? CorrelationId => message.CorrelationId;

        public override string Queue => queue;

        public override IReadOnlyDictionary<string, string>? PropagationHeaders => message.PropagationHeaders;

        public override ValueTask ReplyAsync(string replyTo, ReadOnlyMemory<byte> body, string correlationId, CancellationToken cancellationToken = default) =>
            consumer._broker.DeliverReplyAsync(replyTo, body);

        public override ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            Settle();
            return ValueTask.CompletedTask;
        }

        public override ValueTask RejectAsync(bool requeue, string? reason = null, CancellationToken cancellationToken = default)
        {
            if (Settle())
            {
                if (requeue)
                {
                    consumer._broker.Enqueue(queue, message);
                }
                else
                {
                    consumer._broker.DeadLetter(queue, message, reason);
                }
            }

            return ValueTask.CompletedTask;
        }

        /// <summary>What a broker does when a consumer goes away with this message unacknowledged.</summary>
        public void ReturnToQueue()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0)
            {
                consumer._unacknowledged.TryRemove(this, out _);
                consumer._broker.Enqueue(queue, message);
            }
        }

        private bool Settle()
        {
            if (Interlocked.Exchange(ref _settled, 1) != 0)
            {
                return false;
            }

            consumer._unacknowledged.TryRemove(this, out _);
            consumer.FreeSlot();
            return true;
        }
    }
}
