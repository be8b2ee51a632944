using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Several quorum queues: they refuse a channel-wide prefetch, so the budget is handed out as credits
/// (<see cref="ConsumerCredit"/>): each credit is a consumer's prefetch on some queue, and the worker never has more
/// credits plus slices still held by cancelled consumers than its budget, however many queues it serves.
/// </summary>
/// <remarks>
/// The credits go to the recently active queues (waiting messages, or a delivery or a settled slice in the last
/// <see cref="s_activeWindow"/>), by depth (<see cref="PrefetchShares"/>), so back to back jobs of one producer keep
/// the whole budget on its queue; the other queues have no consumer and are watched by a depth poll every
/// <see cref="s_watchPeriod"/> (a new job there is picked up within about that long). Only when no queue is active
/// are the credits spread over every queue. The first delivery from a queue that was not active moves the credits at
/// once. A credit moves by cancelling its consumer, idle ones first (an unacknowledged slice stays on the channel and
/// still counts until it is settled), and consuming on the other queue once the budget has room.
/// When the budget follows the worker's rate (<see cref="AdaptiveLookahead"/>), credits are handed out against the
/// new budget.
/// </remarks>
internal sealed class CreditConsumers(SliceConsumerSetup setup) : RabbitMqSliceConsumer(setup)
{
    // A worker with queues that have no credit looks for new jobs on them more often.
    private static readonly TimeSpan s_watchPeriod = TimeSpan.FromMilliseconds(100);

    // A queue with waiting messages, or a delivery or settled slice this recently, is active: it keeps its credits, the others get none.
    private static readonly TimeSpan s_activeWindow = TimeSpan.FromSeconds(2);

    // The consumers now active, under _lock; slices held by cancelled ones.
    private readonly List<ConsumerCredit> _credits = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private string[] _queues = [];
    private int[]? _targets;
    private long[] _depths = [];
    private long[] _lastActive = [];
    private int _recompute;
    private volatile bool _watching;
    private int _orphaned;
    private int _rotation;

    private protected override Func<Task>? Loop => RebalanceLoopAsync;

    /// <summary>
    /// Opens the channel with a prefetch of 1 per consumer and hands the budget out: the last shares (after a reopen)
    /// or an even spread. Credits of a closed channel count as cancelled until their slices are settled.
    /// </summary>
    private protected override async Task OpenAsync(CancellationToken cancellationToken)
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
        Use(channel);
        _queues = queues;
        if (_targets is null)
        {
            _depths = new long[queues.Length];
            _lastActive = Enumerable.Repeat(long.MinValue / 2, queues.Length).ToArray();
            _targets = PrefetchShares.Allocate(Budget, _depths, new int[queues.Length], new bool[queues.Length], rotation: 0);
        }

        await ApplyAsync(_targets, cancellationToken).ConfigureAwait(false);
    }

    private protected override IReadOnlyList<string> StopConsuming()
    {
        var tags = _credits.Select(c => c.Tag).ToList();
        foreach (var credit in _credits)
        {
            credit.Cancel(ref _orphaned);
        }

        _credits.Clear();
        return tags;
    }

    private protected override void OnStopping() => _wake.Writer.TryComplete();

    /// <summary>A new budget is handed out like a queue that starts delivering: decided again at once by the rebalance.</summary>
    private protected override Task OnBudgetChangedAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _recompute, 1);
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
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

                var depths = woken ? null : await DepthsAsync(_queues, stopping).ConfigureAwait(false);
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
    /// Under <see cref="RabbitMqSliceConsumer._lock"/>: cancels the credits a queue has beyond its target (idle ones
    /// first), then consumes for the queues below theirs, the most short first, while the budget has room: active
    /// credits plus slices held by cancelled consumers never exceed it.
    /// </summary>
    private async Task ApplyAsync(int[] targets, CancellationToken cancellationToken)
    {
        if (_stopped || ConsumerChannel is not { IsOpen: true } channel)
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
            var credit = new ConsumerCredit(q, Math.Min(targets[q] - counts[q], room));
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
    private async Task<string> ConsumeCreditAsync(IChannel channel, ConsumerCredit credit, CancellationToken cancellationToken)
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

    private async Task<string> ConsumeCreditQueueAsync(IChannel channel, ConsumerCredit credit, string queue, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            credit.Delivered(ref _orphaned);
            NoteDelivered();
            DeliveredFrom(credit.QueueIndex);
            return HandOverAsync(channel, queue, delivery, () => Settled(credit));
        };
        consumer.UnregisteredAsync += (_, _) => OnCreditUnregisteredAsync(channel, credit, queue);
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    private void Settled(ConsumerCredit credit)
    {
        // A queue whose slice was in hand until now is still being served: it stays active for the window from here.
        Volatile.Write(ref _lastActive[credit.QueueIndex], Environment.TickCount64);
        var freed = credit.Settled(ref _orphaned);
        NoteSettled();
        if (freed)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// The broker cancelled a credit's consumer (its queue was deleted): the credit is dropped and the queue declared
    /// again; the next rebalance consumes it. A cancel this consumer asked for is not handled here.
    /// </summary>
    private Task OnCreditUnregisteredAsync(IChannel channel, ConsumerCredit credit, string queue)
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
}
