using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A channel in confirm mode whose confirms this type tracks itself, so that a publish costs no task, no header and
/// no dictionary of the client's: each publish takes the channel's next sequence number and a pooled waiter, and the
/// broker's <c>basic.ack</c>, <c>basic.nack</c> and <c>basic.return</c> complete the waiters, as the client's own tracking
/// does. A publish returns once the broker confirmed it; it throws <see cref="PublishException"/> when the broker
/// nacked it (<see cref="PublishException.IsReturn"/> false) or returned it as unroutable (true), and
/// <see cref="AlreadyClosedException"/> when the channel closed first. Every publish on the channel goes through
/// <see cref="PublishAsync"/>, since sequence numbers are the channel's.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "The SemaphoreSlim never creates its wait handle; a publish may still wait on it while the channel closes.")]
internal sealed class ConfirmingChannel
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, PendingConfirm> _pending = [];
    private readonly Stack<PendingConfirm> _free = new();
    private readonly SemaphoreSlim _numbering = new(1, 1);
    private readonly Dictionary<string, object?> _noHeaders = [];
    private ulong _oldest = ulong.MaxValue;

    private ConfirmingChannel(IChannel channel)
    {
        Channel = channel;
        channel.BasicAcksAsync += OnAckAsync;
        channel.BasicNacksAsync += OnNackAsync;
        channel.BasicReturnAsync += OnReturnAsync;
        channel.ChannelShutdownAsync += OnShutdownAsync;
    }

    /// <summary>The channel, for declarations; publish through <see cref="PublishAsync"/> only.</summary>
    public IChannel Channel { get; }

    /// <summary>The publishes waiting for their confirm.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Opens a channel in confirm mode on <paramref name="connection"/>, its confirms tracked here.</summary>
    public static async Task<ConfirmingChannel> OpenAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false);
        var channel = await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
        return new ConfirmingChannel(channel);
    }

    /// <summary>Publishes one message and waits for the broker's confirm (see the type's remarks for the failures).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        PendingConfirm pending;
        await _numbering.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The number the client gives this publish: no other publish can take one while this one holds the numbering.
            var sequence = await Channel.GetNextPublishSequenceNumberAsync(cancellationToken).ConfigureAwait(false);
            pending = Track(sequence, routingKey, properties.CorrelationId);
            // A channel in confirm mode gives a message without headers a dictionary of its own: this one is lent for
            // the publish (the client writes the message out before it returns) and emptied after it.
            var lentHeaders = properties.Headers is null;
            if (lentHeaders)
            {
                properties.Headers = _noHeaders;
            }

            try
            {
                await Channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Untrack(pending);
                Release(pending);
                throw;
            }
            finally
            {
                if (lentHeaders)
                {
                    properties.Headers = null;
                    _noHeaders.Clear();
                }
            }
        }
        finally
        {
            _numbering.Release();
        }

        pending.WatchCancellation(cancellationToken);
        try
        {
            await new ValueTask(pending, pending.Version).ConfigureAwait(false);
        }
        finally
        {
            pending.StopWatchingCancellation();
            Release(pending);
        }
    }

    private PendingConfirm Track(ulong sequence, string routingKey, string? correlationId)
    {
        PendingConfirm? stale = null;
        PendingConfirm pending;
        lock (_lock)
        {
            pending = _free.TryPop(out var reused) ? reused : new PendingConfirm(this);
            pending.Start(sequence, routingKey, correlationId);
            // A number already waiting belongs to the channel before a recovery (the client numbers a recovered channel
            // from 1 again): that publish was lost with it.
            if (_pending.Remove(sequence, out var previous))
            {
                stale = previous;
            }

            _pending.Add(sequence, pending);
            _oldest = Math.Min(_oldest, sequence);
        }

        stale?.TryFail(new AlreadyClosedException(Channel.CloseReason ?? new ShutdownEventArgs(ShutdownInitiator.Library, 0, "The channel was recovered; the publish was lost with the old one.")));
        return pending;
    }

    private void Untrack(PendingConfirm pending)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(pending.Sequence, out var current) && ReferenceEquals(current, pending))
            {
                _pending.Remove(pending.Sequence);
            }
        }
    }

    private void Release(PendingConfirm pending)
    {
        pending.Reset();
        lock (_lock)
        {
            _free.Push(pending);
        }
    }

    private Task OnAckAsync(object sender, BasicAckEventArgs args)
    {
        Settle(args.DeliveryTag, args.Multiple, nacked: false);
        return Task.CompletedTask;
    }

    private Task OnNackAsync(object sender, BasicNackEventArgs args)
    {
        Settle(args.DeliveryTag, args.Multiple, nacked: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The broker returns an unroutable mandatory message before it confirms it: the waiting publish of that routing
    /// key and correlation id with the lowest number is the returned one, and fails when its confirm comes.
    /// </summary>
    private Task OnReturnAsync(object sender, BasicReturnEventArgs args)
    {
        var correlationId = args.BasicProperties.CorrelationId;
        lock (_lock)
        {
            PendingConfirm? returned = null;
            foreach (var pending in _pending.Values)
            {
                if (pending.Returned is null && pending.RoutingKey == args.RoutingKey && pending.CorrelationId == correlationId
                    && (returned is null || pending.Sequence < returned.Sequence))
                {
                    returned = pending;
                }
            }

            if (returned is not null)
            {
                returned.Returned = new PublishReturnException(
                    returned.Sequence, $"{args.ReplyCode} {args.ReplyText} Exchange: {args.Exchange} Routing Key: {args.RoutingKey}", args.Exchange, args.RoutingKey, args.ReplyCode, args.ReplyText);
            }
        }

        return Task.CompletedTask;
    }

    private void Settle(ulong tag, bool multiple, bool nacked)
    {
        lock (_lock)
        {
            if (!multiple)
            {
                if (_pending.Remove(tag, out var one))
                {
                    Complete(one, nacked);
                }
            }
            else if (_pending.Count > 0)
            {
                for (var sequence = _oldest; sequence <= tag; sequence++)
                {
                    if (_pending.Remove(sequence, out var each))
                    {
                        Complete(each, nacked);
                    }
                }
            }

            if (_pending.Count == 0)
            {
                _oldest = ulong.MaxValue;
            }
            else if (multiple && tag >= _oldest)
            {
                _oldest = tag + 1;
            }
        }
    }

    /// <summary>Completes a waiter (its continuation runs on the thread pool, not under the lock).</summary>
    private static void Complete(PendingConfirm pending, bool nacked)
    {
        if (pending.Returned is { } returned)
        {
            pending.TryFail(returned);
        }
        else if (nacked)
        {
            pending.TryFail(new PublishException(pending.Sequence, isReturn: false));
        }
        else
        {
            pending.TrySucceed();
        }
    }

    /// <summary>The channel closed (or its connection was lost): no confirm will come for what waits.</summary>
    private Task OnShutdownAsync(object sender, ShutdownEventArgs reason)
    {
        FailAll(new AlreadyClosedException(reason));
        return Task.CompletedTask;
    }

    private void FailAll(Exception exception)
    {
        lock (_lock)
        {
            foreach (var pending in _pending.Values)
            {
                pending.TryFail(exception);
            }

            _pending.Clear();
            _oldest = ulong.MaxValue;
        }
    }

    /// <summary>One publish waiting for its confirm; reused once its publish has seen the outcome.</summary>
    private sealed class PendingConfirm(ConfirmingChannel owner) : IValueTaskSource
    {
        private readonly ConfirmingChannel _owner = owner;
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _cancellation;
        private int _completed;

        public ulong Sequence { get; private set; }

        public string RoutingKey { get; private set; } = string.Empty;

        public string? CorrelationId { get; private set; }

        /// <summary>Set under the owner's lock when the broker returned this publish.</summary>
        public PublishException? Returned { get; set; }

        public short Version => _core.Version;

        public void Start(ulong sequence, string routingKey, string? correlationId)
        {
            Sequence = sequence;
            RoutingKey = routingKey;
            CorrelationId = correlationId;
        }

        public void WatchCancellation(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(
                    static (state, token) =>
                    {
                        var pending = (PendingConfirm)state!;
                        if (pending.TryFail(new OperationCanceledException(token)))
                        {
                            // A cancelled waiter's publish no longer waits: no confirm is to complete it.
                            pending._owner.Untrack(pending);
                        }
                    },
                    this);
            }
        }

        /// <summary>After this returns, the cancellation callback neither runs nor is running.</summary>
        public void StopWatchingCancellation() => _cancellation.Dispose();

        public bool TrySucceed()
        {
            if (Interlocked.Exchange(ref _completed, 1) != 0)
            {
                return false;
            }

            _core.SetResult(true);
            return true;
        }

        public bool TryFail(Exception exception)
        {
            if (Interlocked.Exchange(ref _completed, 1) != 0)
            {
                return false;
            }

            _core.SetException(exception);
            return true;
        }

        public void Reset()
        {
            _cancellation = default;
            Returned = null;
            CorrelationId = null;
            RoutingKey = string.Empty;
            _completed = 0;
            _core.Reset();
        }

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
