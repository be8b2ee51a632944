using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Consumes work queues on one channel with a prefetch count. The client recovers the channel after a lost
/// connection; when the broker itself closes the channel (for example when a slice outlives its
/// <c>consumer_timeout</c>), this consumer opens a new one. Closing it returns unacknowledged slices. An elastic worker
/// pool changes its slots while it consumes (<see cref="ResizeAsync"/>): the budget follows, and the subclass hands it
/// out again; slices already delivered stay with the worker until it settles them.
/// </summary>
/// <remarks>
/// This type holds what every worker consumer shares: the channel and its reopening, pause and dispose, the count
/// of held slices and the budget. How the budget (slots + lookahead) is spread over the queues is up to the
/// subclass: <see cref="PerQueueConsumers"/> for one queue or classic queues, <see cref="CreditConsumers"/> for
/// several quorum queues. The budget follows the worker's rate when slices are short (<see cref="AdaptiveLookahead"/>).
/// Each channel's acknowledgements are held a moment after their replies (<see cref="DeferredAcks"/>); a slice counts
/// as held until its acknowledgement was sent, and what is held is sent before the channel closes.
/// </remarks>
internal abstract class RabbitMqSliceConsumer : ISliceConsumer, IResizableSliceConsumer
{
    private protected static readonly TimeSpan s_rebalancePeriod = TimeSpan.FromMilliseconds(250);

    // Used by the subclasses too.
    private protected readonly IConnection _connection;
    private protected readonly RabbitMqTopology _topology;
    private protected readonly IReadOnlyCollection<string> _producerNames;
    private protected readonly AdaptiveLookahead? _adaptive;
    private protected readonly ResiliencePipeline _reopen;
    private protected readonly ILogger _logger;
    private protected readonly SemaphoreSlim _lock = new(1, 1);
    private protected readonly CancellationTokenSource _stopping = new();
    private protected volatile bool _stopped;
    private readonly RabbitMqTransport _transport;
    private readonly int _lookahead;
    private int _slots;
    private IChannel? _inspect;
    private readonly Func<SliceDelivery, CancellationToken, ValueTask> _onSlice;
    private IChannel? _channel;
    private Task _loop = Task.CompletedTask;

    // Each consumer channel's held acknowledgements, until the channel is replaced or the consumer disposed.
    private readonly Dictionary<IChannel, DeferredAcks> _acks = new(ReferenceEqualityComparer.Instance);

    // Held = delivered and not yet settled, on every path (for tests and the debug log).
    private int _held;
    private int _mostHeld;

    private protected RabbitMqSliceConsumer(SliceConsumerSetup setup)
    {
        _transport = setup.Transport;
        _connection = setup.Connection;
        _topology = setup.Topology;
        _producerNames = setup.ProducerNames;
        _slots = setup.Slots;
        _lookahead = setup.Lookahead;
        _adaptive = setup.Adaptive;
        _onSlice = setup.OnSlice;
        _reopen = setup.Reopen;
        _logger = setup.Logger;
    }

    public static async Task<RabbitMqSliceConsumer> StartAsync(
        RabbitMqTransport transport,
        IConnection connection,
        RabbitMqTopology topology,
        IReadOnlyCollection<string> producerNames,
        int slots,
        int lookahead,
        AdaptiveLookahead? adaptive,
        bool sharedAcrossQueues,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        ResiliencePipeline reopen,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var setup = new SliceConsumerSetup(transport, connection, topology, producerNames, slots, lookahead, adaptive, onSlice, reopen, logger);

        // Several quorum queues refuse a channel-wide prefetch: there the budget is handed out as credits.
        RabbitMqSliceConsumer consumer = !sharedAcrossQueues && producerNames.Count > 1
            ? new CreditConsumers(setup)
            : new PerQueueConsumers(setup, sharedAcrossQueues);
        await consumer.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (consumer.Loop is { } loop)
        {
            consumer._loop = Task.Run(loop, CancellationToken.None);
        }

        return consumer;
    }

    /// <summary>Slices delivered and not yet settled (running, waiting for a slot, or being handed over).</summary>
    internal int Held => Volatile.Read(ref _held);

    /// <summary>The most slices held at once since the consumer started.</summary>
    internal int MostHeld => Volatile.Read(ref _mostHeld);

    /// <summary>The most slices the worker may hold now: slots plus the lookahead.</summary>
    private protected int Budget => _adaptive?.Budget ?? Volatile.Read(ref _slots) + _lookahead;

    /// <summary>The consumers' channel: the last one opened, until disposed.</summary>
    private protected IChannel? ConsumerChannel => _channel;

    /// <summary>What runs beside the consumers from the start until disposed, or null when nothing does.</summary>
    private protected abstract Func<Task>? Loop { get; }

    public async ValueTask PauseAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            if (_channel is not { } channel)
            {
                return;
            }

            foreach (var tag in StopConsuming())
            {
                try
                {
                    await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ConnectionLoss.Is(ex))
                {
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The worker's slots changed: the budget follows, and the subclass hands it out again (<see cref="OnBudgetChangedAsync"/>).</summary>
    public async ValueTask ResizeAsync(int prefetch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopped || prefetch == Volatile.Read(ref _slots))
            {
                return;
            }

            Volatile.Write(ref _slots, prefetch);
            _adaptive?.Resize(prefetch, Stopwatch.GetTimestamp());
            RabbitMqLog.SlotsChanged(_logger, prefetch, Budget);
            await OnBudgetChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            // The client recovers the channel, or ReopenAsync opens a new one: both consume with the budget set here.
            RabbitMqLog.LookaheadFailed(_logger, ex.Message);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Messages waiting in the served queues, by passive declare on a channel of its own; 0 for a queue it cannot read now.</summary>
    public async ValueTask<long> CountWaitingAsync(CancellationToken cancellationToken = default) =>
        (await DepthsAsync(_producerNames.Select(_topology.WorkQueue).ToArray(), cancellationToken).ConfigureAwait(false)).Sum();

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        OnStopping();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            // The held acknowledgements go before their channels close, or the broker would redeliver answered slices.
            foreach (var acks in TakeDeferredAcks())
            {
                acks.Dispose();
                await acks.FlushAsync().ConfigureAwait(false);
            }

            if (_channel is { } channel)
            {
                _channel = null;
                await channel.CloseQuietlyAsync().ConfigureAwait(false);
            }

            if (_inspect is { } inspect)
            {
                _inspect = null;
                await inspect.CloseQuietlyAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Opens a channel and consumes on it (at the start, and under <see cref="_lock"/> after the broker closed the last one).</summary>
    private protected abstract Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>Under <see cref="_lock"/>, when pausing: stops counting every consumer and returns their tags, to cancel at the broker.</summary>
    private protected abstract IReadOnlyList<string> StopConsuming();

    /// <summary>Right after disposing starts, before waiting for <see cref="Loop"/>.</summary>
    private protected virtual void OnStopping()
    {
    }

    /// <summary>Under <see cref="_lock"/>, after the slots changed: hands the new <see cref="Budget"/> out to the consumers.</summary>
    private protected abstract Task OnBudgetChangedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Messages waiting in each of <paramref name="queues"/>, by passive declare on a channel of its own (a missing queue
    /// closes it): 0 when unknown. Takes <see cref="_lock"/>, so callers must not hold it.
    /// </summary>
    private protected async Task<long[]> DepthsAsync(string[] queues, CancellationToken cancellationToken)
    {
        var depths = new long[queues.Length];
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < queues.Length && !_stopped; i++)
            {
                try
                {
                    _inspect ??= await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    depths[i] = (await _inspect.QueueDeclarePassiveAsync(queues[i], cancellationToken).ConfigureAwait(false)).MessageCount;
                }
                catch (Exception ex) when (ConnectionLoss.Is(ex))
                {
                    if (_inspect is { IsOpen: false } closed)
                    {
                        _inspect = null;
                        closed.Dispose();
                    }
                }
            }
        }
        finally
        {
            _lock.Release();
        }

        return depths;
    }

    /// <summary>Makes <paramref name="channel"/> the consumers' channel, and opens a new one when the broker closes it.</summary>
    private protected void Use(IChannel channel)
    {
        // The client may raise the event with its inner channel as the sender: compare with the channel opened here.
        channel.ChannelShutdownAsync += (_, args) => OnChannelShutdownAsync(channel, args);
        _channel = channel;
    }

    /// <summary>Counts a delivery as held (and for the lookahead).</summary>
    private protected void NoteDelivered()
    {
        _adaptive?.Delivered(Stopwatch.GetTimestamp());
        NoteHeld(Interlocked.Increment(ref _held));
    }

    /// <summary>Counts a held slice as settled (and for the lookahead).</summary>
    private protected void NoteSettled()
    {
        _adaptive?.Settled(Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _held);
    }

    /// <summary>Hands a delivery from <paramref name="queue"/> to the worker; <paramref name="onSettled"/> runs when it is settled.</summary>
    private protected Task HandOverAsync(IChannel channel, string queue, BasicDeliverEventArgs delivery, Action onSettled) =>
        _onSlice(ToDelivery(channel, queue, delivery, onSettled), delivery.CancellationToken).AsTask();

    private void NoteHeld(int held)
    {
        var most = Volatile.Read(ref _mostHeld);
        while (held > most)
        {
            var seen = Interlocked.CompareExchange(ref _mostHeld, held, most);
            if (seen == most)
            {
                RabbitMqLog.MostHeld(_logger, held, Budget);
                return;
            }

            most = seen;
        }
    }

    /// <summary>The held acknowledgements of <paramref name="channel"/>.</summary>
    private DeferredAcks DeferredAcksOf(IChannel channel)
    {
        lock (_acks)
        {
            if (!_acks.TryGetValue(channel, out var acks))
            {
                acks = new DeferredAcks(
                    tag => channel.BasicAckAsync(tag, multiple: false),
                    (queue, ex) => RabbitMqLog.SettleFailed(_logger, queue, ex.Message),
                    _transport.Time);
                _acks[channel] = acks;
            }

            return acks;
        }
    }

    /// <summary>Takes the held acknowledgements of every channel (when disposing).</summary>
    private DeferredAcks[] TakeDeferredAcks()
    {
        lock (_acks)
        {
            var all = _acks.Values.ToArray();
            _acks.Clear();
            return all;
        }
    }

    /// <summary>
    /// A channel the broker closed was replaced: what it held is sent now (which fails, and counts those slices as
    /// settled: the broker has put them back in their queues), and what its slices still settle goes at once.
    /// </summary>
    private async Task RetireDeferredAcksAsync(IChannel closedChannel)
    {
        DeferredAcks? acks;
        lock (_acks)
        {
            _acks.Remove(closedChannel, out acks);
        }

        if (acks is not null)
        {
            acks.Dispose();
            await acks.FlushAsync().ConfigureAwait(false);
        }
    }

    private RabbitMqDelivery ToDelivery(IChannel channel, string queue, BasicDeliverEventArgs delivery, Action onSettled) => new(
        _transport,
        channel,
        delivery.DeliveryTag,
        queue,
        delivery.Body.ToArray(),
        delivery.Redelivered,
        DeliveryCount(delivery.BasicProperties, delivery.Redelivered),
        delivery.BasicProperties.ReplyTo,
        delivery.BasicProperties.CorrelationId,
        _logger,
        onSettled,
        RabbitMqMessages.PropagationHeaders(delivery.BasicProperties),
        DeferredAcksOf(channel));

    /// <summary>Quorum queues count earlier deliveries in the <c>x-delivery-count</c> header; classic ones only flag a redelivery.</summary>
    private static int DeliveryCount(IReadOnlyBasicProperties properties, bool redelivered)
    {
        if (properties.Headers is { } headers && headers.TryGetValue("x-delivery-count", out var value))
        {
            return 1 + value switch
            {
                long l => (int)Math.Min(l, int.MaxValue - 1),
                int i => i,
                _ => 0,
            };
        }

        return redelivered ? 2 : 1;
    }

    private Task OnChannelShutdownAsync(IChannel closedChannel, ShutdownEventArgs args)
    {
        // A lost connection is recovered by the client; a channel the broker closed is not.
        if (_stopped || args.Initiator != ShutdownInitiator.Peer || !_connection.IsOpen)
        {
            return Task.CompletedTask;
        }

        RabbitMqLog.ChannelClosedByBroker(_logger, args.ReplyCode, args.ReplyText);

        // Not inside this handler: the client raises it from the connection's frame loop, which must keep running
        // to open the new channel.
        _ = Task.Run(() => ReopenAsync(closedChannel));
        return Task.CompletedTask;
    }

    private async Task ReopenAsync(IChannel closedChannel)
    {
        try
        {
            await _reopen.ExecuteAsync(
                async (state, cancellationToken) =>
                {
                    await state._lock.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        if (state._stopped || !ReferenceEquals(closedChannel, state._channel))
                        {
                            return;
                        }

                        await state.OpenAsync(cancellationToken).ConfigureAwait(false);
                        RabbitMqLog.ChannelReopened(state._logger, string.Join(", ", state._producerNames));

                        // Closed on the client's side too, or the connection's next recovery would open it again
                        // with its consumers: twice the budget, and consumers nobody cancels. Not disposed: slices
                        // still running from it read its close reason and send their answers on another channel.
                        try
                        {
                            await closedChannel.CloseAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ConnectionLoss.Is(ex))
                        {
                        }

                        await state.RetireDeferredAcksAsync(closedChannel).ConfigureAwait(false);
                    }
                    finally
                    {
                        state._lock.Release();
                    }
                },
                this,
                _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed while waiting to try again.
        }
    }
}
