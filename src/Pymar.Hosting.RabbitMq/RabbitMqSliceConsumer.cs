using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Consumes work queues on one channel with a prefetch count. The client recovers the channel after a lost
/// connection; when the broker itself closes the channel (for example when a slice outlives its
/// <c>consumer_timeout</c>), this consumer opens a new one. Closing it returns unacknowledged slices.
/// </summary>
internal sealed class RabbitMqSliceConsumer : ISliceConsumer
{
    private readonly RabbitMqTransport _transport;
    private readonly IConnection _connection;
    private readonly RabbitMqTopology _topology;
    private readonly IReadOnlyCollection<string> _producerNames;
    private readonly ushort _prefetch;
    private readonly Func<SliceDelivery, CancellationToken, ValueTask> _onSlice;
    private readonly ResiliencePipeline _reopen;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IChannel? _channel;
    private List<string> _consumerTags = [];
    private volatile bool _stopped;
    private bool _sharedAcrossQueues;

    private RabbitMqSliceConsumer(
        RabbitMqTransport transport,
        IConnection connection,
        RabbitMqTopology topology,
        IReadOnlyCollection<string> producerNames,
        ushort prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        ResiliencePipeline reopen,
        ILogger logger)
    {
        _transport = transport;
        _connection = connection;
        _topology = topology;
        _producerNames = producerNames;
        _prefetch = prefetch;
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
        bool sharedAcrossQueues,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        ResiliencePipeline reopen,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var consumer = new RabbitMqSliceConsumer(transport, connection, topology, producerNames, checked((ushort)prefetch), onSlice, reopen, logger) { _sharedAcrossQueues = sharedAcrossQueues };
        await consumer.OpenAsync(cancellationToken).ConfigureAwait(false);
        return consumer;
    }

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

            foreach (var tag in _consumerTags)
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
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_channel is { } channel)
            {
                _channel = null;
                await channel.CloseQuietlyAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, _prefetch, global: false, cancellationToken).ConfigureAwait(false);
        if (_sharedAcrossQueues && _producerNames.Count > 1)
        {
            // Classic queues: the same bound for the channel as a whole, so serving N producers does not hold N times
            // as many slices (both limits apply). Quorum queues refuse a channel-wide prefetch.
            await channel.BasicQosAsync(0, _prefetch, global: true, cancellationToken).ConfigureAwait(false);
        }

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

    /// <summary>Declares the work queue of <paramref name="producerName"/> and consumes it on <paramref name="channel"/>.</summary>
    private async Task<string> ConsumeAsync(IChannel channel, string producerName, CancellationToken cancellationToken)
    {
        var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => _onSlice(ToDelivery(channel, queue, delivery), delivery.CancellationToken).AsTask();
        consumer.UnregisteredAsync += (_, args) => OnUnregisteredAsync(channel, producerName, queue, args.ConsumerTags);
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A consumer the broker cancelled (its queue was deleted) is started again on a declared queue; the producer
    /// asks again for the slices that were in it (as stragglers). A cancel this consumer asked for is not.
    /// </summary>
    private Task OnUnregisteredAsync(IChannel channel, string producerName, string queue, string[] consumerTags)
    {
        if (_stopped || !channel.IsOpen)
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

    private RabbitMqDelivery ToDelivery(IChannel channel, string queue, BasicDeliverEventArgs delivery) => new(
        _transport,
        channel,
        delivery.DeliveryTag,
        queue,
        delivery.Body.ToArray(),
        delivery.Redelivered,
        DeliveryCount(delivery.BasicProperties, delivery.Redelivered),
        delivery.BasicProperties.ReplyTo,
        delivery.BasicProperties.CorrelationId,
        _logger);

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
}
