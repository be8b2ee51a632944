using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// One queue, or classic queues (with a channel-wide prefetch): one consumer per queue with the whole budget
/// (slots + lookahead). When the budget follows the worker's rate (<see cref="AdaptiveLookahead"/>), every consumer
/// is replaced by one with the new prefetch, and so it is when the worker's slots change.
/// </summary>
internal sealed class PerQueueConsumers(SliceConsumerSetup setup, bool sharedAcrossQueues) : RabbitMqSliceConsumer(setup)
{
    private readonly bool _sharedAcrossQueues = sharedAcrossQueues;
    private List<string> _consumerTags = [];

    private protected override Func<Task>? Loop => _adaptive is null ? null : AdaptLoopAsync;

    private protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await SetPrefetchAsync(channel, cancellationToken).ConfigureAwait(false);

        var tags = new List<string>();
        foreach (var producerName in _producerNames)
        {
            tags.Add(await ConsumeAsync(channel, producerName, cancellationToken).ConfigureAwait(false));
        }

        Use(channel);
        _consumerTags = tags;
    }

    private protected override IReadOnlyList<string> StopConsuming() => _consumerTags;

    private async Task SetPrefetchAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var budget = checked((ushort)Budget);
        await channel.BasicQosAsync(0, budget, global: false, cancellationToken).ConfigureAwait(false);
        if (_sharedAcrossQueues && _producerNames.Count > 1)
        {
            // Classic queues: the same bound for the channel as a whole, so serving N producers does not hold N times
            // as many slices (both limits apply). Quorum queues refuse a channel-wide prefetch (see CreditConsumers).
            await channel.BasicQosAsync(0, budget, global: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every period lets <see cref="AdaptiveLookahead"/> decide, and when the lookahead changed consumes every queue
    /// again with the new prefetch (a consumer's prefetch is fixed when it starts).
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
                    RabbitMqLog.LookaheadChanged(_logger, _adaptive.Lookahead, Budget);
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
    /// Under <see cref="RabbitMqSliceConsumer._lock"/>: consumes every queue with the budget as prefetch, then
    /// cancels the consumers it replaces (their unacknowledged slices stay on the channel until settled).
    /// </summary>
    private async Task ConsumeAgainAsync(CancellationToken cancellationToken)
    {
        if (_stopped || ConsumerChannel is not { IsOpen: true } channel)
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
    }

    private protected override Task OnBudgetChangedAsync(CancellationToken cancellationToken) => ConsumeAgainAsync(cancellationToken);

    /// <summary>Declares the work queue of <paramref name="producerName"/> and consumes it on <paramref name="channel"/>.</summary>
    private async Task<string> ConsumeAsync(IChannel channel, string producerName, CancellationToken cancellationToken)
    {
        var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            NoteDelivered();
            return HandOverAsync(channel, queue, delivery, NoteSettled);
        };
        consumer.UnregisteredAsync += (_, args) => OnUnregisteredAsync(channel, producerName, queue, args.ConsumerTags);
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
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
                            if (state._stopped || !ReferenceEquals(channel, state.ConsumerChannel) || !state._consumerTags.Intersect(consumerTags).Any())
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
}
