using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using System.Globalization;
using System.Threading.Channels;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Consumes work queues on one channel with a prefetch count. The client recovers the channel after a lost
/// connection; when the broker itself closes the channel (for example when a slice outlives its
/// <c>consumer_timeout</c>), this consumer opens a new one. Closing it returns unacknowledged slices.
/// </summary>
/// <remarks>
/// One queue, or classic queues (with a channel-wide prefetch), take one consumer per queue with the whole budget
/// (slots + lookahead). Several quorum queues refuse a channel-wide prefetch, so there the budget is handed out as
/// credits: each credit is a consumer's prefetch on some queue, and the worker never has more credits
/// plus slices still held by cancelled consumers than its budget, however many queues it serves. The credits go to
/// the recently active queues (waiting messages, or a delivery or a settled slice in the last <see cref="s_activeWindow"/>), by depth
/// (<see cref="PrefetchShares"/>), so back to back jobs of one producer keep the whole budget on its queue; the
/// other queues have no consumer and are watched by a depth poll every <see cref="s_watchPeriod"/> (a new job there
/// is picked up within about that long). Only when no queue is active are the credits spread over every queue. The
/// first delivery from a queue that was not active moves the credits at once. A credit moves by cancelling its
/// consumer, idle ones first (an unacknowledged slice stays on the channel and still counts until it is settled),
/// and consuming on the other queue once the budget has room.
/// The budget follows the worker's rate when slices are short (<see cref="AdaptiveLookahead"/>): one consumer per
/// queue is then replaced by one with the new prefetch, and credits are handed out against the new budget.
/// </remarks>
internal sealed class RabbitMqSliceConsumer : ISliceConsumer
{
    private static readonly TimeSpan s_rebalancePeriod = TimeSpan.FromMilliseconds(250);

    // A worker with queues that have no credit looks for new jobs on them more often.
    private static readonly TimeSpan s_watchPeriod = TimeSpan.FromMilliseconds(100);

    // A queue with waiting messages, or a delivery or settled slice this recently, is active: it keeps its credits, the others get none.
    private static readonly TimeSpan s_activeWindow = TimeSpan.FromSeconds(2);

    private readonly RabbitMqTransport _transport;
    private readonly IConnection _connection;
    private readonly RabbitMqTopology _topology;
    private readonly IReadOnlyCollection<string> _producerNames;
    private readonly ushort _prefetch;
    private readonly AdaptiveLookahead? _adaptive;
    private readonly Func<SliceDelivery, CancellationToken, ValueTask> _onSlice;
    private readonly ResiliencePipeline _reopen;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IChannel? _channel;
    private List<string> _consumerTags = [];
    private volatile bool _stopped;
    private bool _sharedAcrossQueues;

    // Held = delivered and not yet settled, on every path (for tests and the debug log).
    private int _held;
    private int _mostHeld;

    // Credits (several quorum queues only): the consumers now active, under _lock; slices held by cancelled ones.
    private readonly List<Credit> _credits = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private string[] _queues = [];
    private int[]? _targets;
    private long[] _depths = [];
    private long[] _lastActive = [];
    private int _recompute;
    private volatile bool _watching;
    private int _orphaned;
    private int _rotation;
    private IChannel? _inspect;
    private Task _rebalancing = Task.CompletedTask;

    private RabbitMqSliceConsumer(
        RabbitMqTransport transport,
        IConnection connection,
        RabbitMqTopology topology,
        IReadOnlyCollection<string> producerNames,
        ushort prefetch,
        AdaptiveLookahead? adaptive,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        ResiliencePipeline reopen,
        ILogger logger)
    {
        _transport = transport;
        _connection = connection;
        _topology = topology;
        _producerNames = producerNames;
        _prefetch = prefetch;
        _adaptive = adaptive;
        _onSlice = onSlice;
        _reopen = reopen;
        _logger = logger;
    }

    public static async Task<RabbitMqSliceConsumer> StartAsync(
        RabbitMqTransport transport,
        IConnection connection,
        RabbitMqTopology topology,
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        AdaptiveLookahead? adaptive,
        bool sharedAcrossQueues,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        ResiliencePipeline reopen,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var consumer = new RabbitMqSliceConsumer(transport, connection, topology, producerNames, checked((ushort)prefetch), adaptive, onSlice, reopen, logger) { _sharedAcrossQueues = sharedAcrossQueues };
        await consumer.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (consumer.UsesCredits)
        {
            consumer._rebalancing = Task.Run(consumer.RebalanceLoopAsync, CancellationToken.None);
        }
        else if (adaptive is not null)
        {
            consumer._rebalancing = Task.Run(consumer.AdaptLoopAsync, CancellationToken.None);
        }

        return consumer;
    }

    /// <summary>Slices delivered and not yet settled (running, waiting for a slot, or being handed over).</summary>
    internal int Held => Volatile.Read(ref _held);

    /// <summary>The most slices held at once since the consumer started.</summary>
    internal int MostHeld => Volatile.Read(ref _mostHeld);

    /// <summary>The most slices the worker may hold now: slots plus the lookahead.</summary>
    private int Budget => _adaptive?.Budget ?? _prefetch;

    /// <summary>Several quorum queues: the budget is handed out as prefetch-1 consumers (credits) across them.</summary>
    private bool UsesCredits => !_sharedAcrossQueues && _producerNames.Count > 1;

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

            var tags = _consumerTags.Concat(_credits.Select(c => c.Tag)).ToList();
            foreach (var credit in _credits)
            {
                credit.Cancel(ref _orphaned);
            }

            _credits.Clear();
            foreach (var tag in tags)
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

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _wake.Writer.TryComplete();
        await _rebalancing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
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

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (UsesCredits)
        {
            await OpenWithCreditsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await SetPrefetchAsync(channel, cancellationToken).ConfigureAwait(false);

        var tags = new List<string>();
        foreach (var producerName in _producerNames)
        {
            tags.Add(await ConsumeAsync(channel, producerName, cancellationToken).ConfigureAwait(false));
        }

        // The client may raise the event with its inner channel as the sender: compare with the channel opened here.
        channel.ChannelShutdownAsync += (_, args) => OnChannelShutdownAsync(channel, args);
        _channel = channel;
        _consumerTags = tags;
    }

    private async Task SetPrefetchAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var budget = checked((ushort)Budget);
        await channel.BasicQosAsync(0, budget, global: false, cancellationToken).ConfigureAwait(false);
        if (_sharedAcrossQueues && _producerNames.Count > 1)
        {
            // Classic queues: the same bound for the channel as a whole, so serving N producers does not hold N times
            // as many slices (both limits apply). Quorum queues refuse a channel-wide prefetch (see UsesCredits).
            await channel.BasicQosAsync(0, budget, global: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One consumer per queue: every period lets <see cref="AdaptiveLookahead"/> decide, and when the lookahead
    /// changed consumes every queue again with the new prefetch (a consumer's prefetch is fixed when it starts).
    /// </summary>
    private async Task AdaptLoopAsync()
    {
        var stopping = _stopping.Token;
        using var timer = new PeriodicTimer(s_rebalancePeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (_stopped || !_adaptive!.Decide(Stopwatch.GetTimestamp()))
                {
                    continue;
                }

                await _lock.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    await ConsumeAgainAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ConnectionLoss.Is(ex))
                {
                    // The client recovers the channel, or ReopenAsync opens a new one with the budget decided here.
                    RabbitMqLog.LookaheadFailed(_logger, ex.Message);
                }
                finally
                {
                    _lock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>
    /// Under <see cref="_lock"/>: consumes every queue with the budget as prefetch, then cancels the consumers it
    /// replaces (their unacknowledged slices stay on the channel until settled).
    /// </summary>
    private async Task ConsumeAgainAsync(CancellationToken cancellationToken)
    {
        if (_stopped || _channel is not { IsOpen: true } channel)
        {
            return;
        }

        await SetPrefetchAsync(channel, cancellationToken).ConfigureAwait(false);
        var replaced = _consumerTags;
        var tags = new List<string>();
        foreach (var producerName in _producerNames)
        {
            tags.Add(await ConsumeAsync(channel, producerName, cancellationToken).ConfigureAwait(false));
        }

        _consumerTags = tags;
        foreach (var tag in replaced)
        {
            await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
        }

        RabbitMqLog.LookaheadChanged(_logger, _adaptive?.Lookahead ?? 0, Budget);
    }

    /// <summary>
    /// Opens the channel with a prefetch of 1 per consumer and hands the budget out: the last shares (after a reopen)
    /// or an even spread. Credits of a closed channel count as cancelled until their slices are settled.
    /// </summary>
    private async Task OpenWithCreditsAsync(CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1, global: false, cancellationToken).ConfigureAwait(false);
        var queues = new string[_producerNames.Count];
        var i = 0;
        foreach (var producerName in _producerNames)
        {
            queues[i++] = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        }

        foreach (var credit in _credits)
        {
            credit.Cancel(ref _orphaned);
        }

        _credits.Clear();
        channel.ChannelShutdownAsync += (_, args) => OnChannelShutdownAsync(channel, args);
        _channel = channel;
        _queues = queues;
        if (_targets is null)
        {
            _depths = new long[queues.Length];
            _lastActive = Enumerable.Repeat(long.MinValue / 2, queues.Length).ToArray();
            _targets = PrefetchShares.Allocate(Budget, _depths, new int[queues.Length], new bool[queues.Length], rotation: 0);
        }

        await ApplyAsync(_targets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every period reads the depths and moves the credits; woken sooner when a cancelled consumer's slice is settled
    /// (room for the credits already decided) or when a queue that was not active delivers (the credits are decided
    /// again from the last depths, without waiting for a poll).
    /// </summary>
    private async Task RebalanceLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!_stopped)
        {
            var period = _watching ? s_watchPeriod : s_rebalancePeriod;
            bool woken;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                wait.CancelAfter(period);
                try
                {
                    woken = await _wake.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false) && _wake.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    woken = false;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (_stopped)
            {
                return;
            }

            try
            {
                // A new budget (short slices) is handed out like a queue that starts delivering: decided again at once.
                var recompute = Interlocked.Exchange(ref _recompute, 0) == 1;
                if (_adaptive?.Decide(Stopwatch.GetTimestamp()) == true)
                {
                    RabbitMqLog.LookaheadChanged(_logger, _adaptive.Lookahead, Budget);
                    recompute = true;
                }

                var depths = woken ? null : await DepthsAsync(stopping).ConfigureAwait(false);
                await _lock.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    if (_stopped || _targets is null)
                    {
                        continue;
                    }

                    if (depths is not null)
                    {
                        var now = Environment.TickCount64;
                        for (var q = 0; q < depths.Length; q++)
                        {
                            if (depths[q] > 0)
                            {
                                Volatile.Write(ref _lastActive[q], now);
                            }
                        }

                        _depths = depths;
                        _targets = PrefetchShares.Allocate(Budget, depths, CreditsPerQueue(), Active(), _rotation++);
                    }
                    else if (recompute)
                    {
                        // A queue that was not active delivered: decide again from the last depths at once.
                        _targets = PrefetchShares.Allocate(Budget, _depths, CreditsPerQueue(), Active(), _rotation);
                    }

                    await ApplyAsync(_targets, stopping).ConfigureAwait(false);
                }
                finally
                {
                    _lock.Release();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ConnectionLoss.Is(ex) || ex is OperationCanceledException)
            {
                // A lost connection or channel: the client or ReopenAsync brings it back; try again next period.
                RabbitMqLog.CreditsFailed(_logger, ex.Message);
            }
        }
    }

    /// <summary>Messages waiting in each served queue, by passive declare on a channel of its own (a missing queue closes it): 0 when unknown.</summary>
    private async Task<long[]> DepthsAsync(CancellationToken cancellationToken)
    {
        var queues = _queues;
        var depths = new long[queues.Length];
        for (var i = 0; i < queues.Length; i++)
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

        return depths;
    }

    /// <summary>Which queues had waiting messages, a delivery or a settled slice within <see cref="s_activeWindow"/>.</summary>
    private bool[] Active()
    {
        var now = Environment.TickCount64;
        var window = (long)s_activeWindow.TotalMilliseconds;
        return [.. _lastActive.Select((_, q) => now - Volatile.Read(ref _lastActive[q]) <= window)];
    }

    /// <summary>Notes a delivery from queue <paramref name="q"/>; one that was not active wakes the rebalance to move credits to it.</summary>
    private void DeliveredFrom(int q)
    {
        var now = Environment.TickCount64;
        var before = Interlocked.Exchange(ref _lastActive[q], now);
        if (now - before > (long)s_activeWindow.TotalMilliseconds)
        {
            Volatile.Write(ref _recompute, 1);
            _wake.Writer.TryWrite(true);
        }
    }

    private int[] CreditsPerQueue()
    {
        var counts = new int[_queues.Length];
        foreach (var credit in _credits)
        {
            counts[credit.QueueIndex] += credit.Size;
        }

        return counts;
    }

    /// <summary>
    /// Under <see cref="_lock"/>: cancels the credits a queue has beyond its target (idle ones first), then consumes
    /// for the queues below theirs, the most short first, while the budget has room: active credits plus slices held
    /// by cancelled consumers never exceed it.
    /// </summary>
    private async Task ApplyAsync(int[] targets, CancellationToken cancellationToken)
    {
        if (_stopped || _channel is not { IsOpen: true } channel)
        {
            return;
        }

        var counts = CreditsPerQueue();
        var moved = false;
        for (var q = 0; q < counts.Length; q++)
        {
            while (counts[q] > targets[q])
            {
                // Idle consumers first, then the smallest: a queue that sheds one credit keeps its big consumer if it can.
                var credit = _credits.Where(c => c.QueueIndex == q).OrderBy(c => c.Unacked).ThenBy(c => c.Size).First();
                _credits.Remove(credit);
                credit.Cancel(ref _orphaned);
                counts[q] -= credit.Size;
                moved = true;
                try
                {
                    await channel.BasicCancelAsync(credit.Tag, noWait: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ConnectionLoss.Is(ex))
                {
                    // The cancel did not reach the broker: the client's recovery would consume again, so the credit
                    // still counts. A channel the broker closed is reopened (every credit of it is cancelled then).
                    credit.Restore(ref _orphaned);
                    _credits.Add(credit);
                    return;
                }
            }
        }

        while (Budget - _credits.Sum(c => c.Size) - Volatile.Read(ref _orphaned) is var room && room > 0)
        {
            var q = -1;
            for (var i = 0; i < counts.Length; i++)
            {
                if (targets[i] > counts[i] && (q < 0 || targets[i] - counts[i] > targets[q] - counts[q]))
                {
                    q = i;
                }
            }

            if (q < 0)
            {
                break;
            }

            // One consumer for all the queue may take now (the fast path of a worker whose credits sit on one queue, as
            // a worker serving one producer has, and of a budget that grew).
            var credit = new Credit(q, Math.Min(targets[q] - counts[q], room));
            _credits.Add(credit);
            counts[q] += credit.Size;
            moved = true;
            try
            {
                credit.Tag = await ConsumeCreditAsync(channel, credit, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _credits.Remove(credit);
                throw;
            }
        }

        _watching = counts.Contains(0);
        if (moved && _logger.IsEnabled(LogLevel.Debug))
        {
            var shares = string.Join(", ", _queues.Select((queue, i) => queue + "=" + counts[i].ToString(CultureInfo.InvariantCulture)));
            RabbitMqLog.CreditsMoved(_logger, shares, Held, Budget, Volatile.Read(ref _orphaned));
        }
    }

    /// <summary>
    /// Consumes the credit's queue with a prefetch of its size. The channel's per-consumer prefetch is 1 between
    /// consumes, so consumers the client re-creates after a lost connection come back with 1 each: fewer than their
    /// credits, never more than the budget.
    /// </summary>
    private async Task<string> ConsumeCreditAsync(IChannel channel, Credit credit, CancellationToken cancellationToken)
    {
        var producerName = _producerNames.ElementAt(credit.QueueIndex);
        var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        if (credit.Size > 1)
        {
            await channel.BasicQosAsync(0, checked((ushort)credit.Size), global: false, cancellationToken).ConfigureAwait(false);
            try
            {
                return await ConsumeCreditQueueAsync(channel, credit, queue, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await channel.BasicQosAsync(0, 1, global: false, cancellationToken).ConfigureAwait(false);
            }
        }

        return await ConsumeCreditQueueAsync(channel, credit, queue, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ConsumeCreditQueueAsync(IChannel channel, Credit credit, string queue, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            credit.Delivered(ref _orphaned);
            _adaptive?.Delivered(Stopwatch.GetTimestamp());
            NoteHeld(Interlocked.Increment(ref _held));
            DeliveredFrom(credit.QueueIndex);
            return _onSlice(ToDelivery(channel, queue, delivery, () => Settled(credit)), delivery.CancellationToken).AsTask();
        };
        consumer.UnregisteredAsync += (_, _) => OnCreditUnregisteredAsync(channel, credit, queue);
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    private void Settled(Credit credit)
    {
        // A queue whose slice was in hand until now is still being served: it stays active for the window from here.
        Volatile.Write(ref _lastActive[credit.QueueIndex], Environment.TickCount64);
        var freed = credit.Settled(ref _orphaned);
        _adaptive?.Settled(Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _held);
        if (freed)
        {
            _wake.Writer.TryWrite(true);
        }
    }

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

    /// <summary>
    /// The broker cancelled a credit's consumer (its queue was deleted): the credit is dropped and the queue declared
    /// again; the next rebalance consumes it. A cancel this consumer asked for is not handled here.
    /// </summary>
    private Task OnCreditUnregisteredAsync(IChannel channel, Credit credit, string queue)
    {
        if (_stopped || credit.IsCancelled || !channel.IsOpen)
        {
            return Task.CompletedTask;
        }

        RabbitMqLog.ConsumerCancelledByBroker(_logger, queue);
        _ = Task.Run(async () =>
        {
            try
            {
                await _lock.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try
                {
                    if (_credits.Remove(credit))
                    {
                        credit.Cancel(ref _orphaned);
                        _topology.Forget(queue);
                    }
                }
                finally
                {
                    _lock.Release();
                }

                _wake.Writer.TryWrite(true);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Disposed meanwhile.
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>Declares the work queue of <paramref name="producerName"/> and consumes it on <paramref name="channel"/>.</summary>
    private async Task<string> ConsumeAsync(IChannel channel, string producerName, CancellationToken cancellationToken)
    {
        var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            _adaptive?.Delivered(Stopwatch.GetTimestamp());
            NoteHeld(Interlocked.Increment(ref _held));
            return _onSlice(ToDelivery(channel, queue, delivery, SettledOnConsumer), delivery.CancellationToken).AsTask();
        };
        consumer.UnregisteredAsync += (_, args) => OnUnregisteredAsync(channel, producerName, queue, args.ConsumerTags);
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    private void SettledOnConsumer()
    {
        _adaptive?.Settled(Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _held);
    }

    /// <summary>
    /// A consumer the broker cancelled (its queue was deleted) is started again on a declared queue; the producer
    /// asks again for the slices that were in it (as stragglers). A cancel this consumer asked for is not.
    /// </summary>
    private Task OnUnregisteredAsync(IChannel channel, string producerName, string queue, string[] consumerTags)
    {
        // A consumer replaced by one with a new prefetch is no longer among the tags.
        if (_stopped || !channel.IsOpen || !_consumerTags.Intersect(consumerTags).Any())
        {
            return Task.CompletedTask;
        }

        RabbitMqLog.ConsumerCancelledByBroker(_logger, queue);
        _ = Task.Run(async () =>
        {
            try
            {
                await _reopen.ExecuteAsync(
                    async (state, cancellationToken) =>
                    {
                        await state._lock.WaitAsync(cancellationToken).ConfigureAwait(false);
                        try
                        {
                            if (state._stopped || !ReferenceEquals(channel, state._channel) || !state._consumerTags.Intersect(consumerTags).Any())
                            {
                                return;
                            }

                            state._topology.Forget(queue);
                            var tag = await state.ConsumeAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
                            state._consumerTags = [.. state._consumerTags.Except(consumerTags), tag];
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
                // Disposed meanwhile.
            }
        });
        return Task.CompletedTask;
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
        onSettled);

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

                        // The closed channel is left undisposed: slices still running from it settle against it (and log).
                        await state.OpenAsync(cancellationToken).ConfigureAwait(false);
                        RabbitMqLog.ChannelReopened(state._logger, string.Join(", ", state._producerNames));
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

    /// <summary>
    /// A consumer on one queue with a prefetch of <see cref="Size"/>: that many credits of the budget. Once cancelled,
    /// the slices it still holds count in the consumer's orphaned total until they are settled.
    /// </summary>
    private sealed class Credit(int queueIndex, int size)
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
}
