using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Events;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq.Events;

/// <summary>
/// Pymar's events on the durable topic exchange <c>pymar.events</c>: one event routed by its kind
/// (<c>slice.finished</c> …), or several that gathered in the publisher's queue as one batch message (a JSON array, see
/// <see cref="PymarEventCodec.DecodeMessage"/>) routed by <see cref="BatchRoutingKey"/>; a reader binds <c>#</c>. Messages
/// are transient and unconfirmed; each subscriber reads through its own exclusive, auto-deleted, length-capped queue, so a
/// slow dashboard loses old events rather than filling the broker. It has its own connection, apart from the slices'.
/// </summary>
internal sealed class RabbitMqEventBus : IPymarEventBus, IAsyncDisposable
{
    /// <summary>The exchange's name.</summary>
    public const string ExchangeName = "pymar.events";

    /// <summary>The routing key of a batch of events.</summary>
    public const string BatchRoutingKey = "batch";

    private static readonly BasicProperties s_properties = new() { ContentType = "application/json", DeliveryMode = DeliveryModes.Transient };
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromSeconds(2);

    private readonly RabbitMqConnection _connection;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _batch = new(PymarEventCodec.MaxBytes);
    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private readonly Utf8JsonWriter _writer = new(Stream.Null);
    private IChannel? _publishChannel;
    private int _disposed;

    public RabbitMqEventBus(IOptions<RabbitMqOptions> options, ILogger<RabbitMqEventBus> logger, IServiceProvider services)
    {
        _logger = logger;
        _connection = RabbitMqConnection.Create(options.Value, services, logger);
    }

    public async ValueTask PublishAsync(PymarEvent pymarEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pymarEvent);
        var body = PymarEventCodec.Encode(pymarEvent);
        await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = _publishChannel is { IsOpen: true } open ? open : await OpenPublishChannelAsync(cancellationToken).ConfigureAwait(false);
            await channel.BasicPublishAsync(ExchangeName, pymarEvent.Kind, mandatory: false, s_properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or InvalidOperationException)
        {
            _publishChannel = null;
            throw;
        }
        finally
        {
            _publishLock.Release();
        }
    }

    public async ValueTask PublishBatchAsync(IReadOnlyList<PymarEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count <= 1)
        {
            if (events.Count == 1)
            {
                await PublishAsync(events[0], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = _publishChannel is { IsOpen: true } open ? open : await OpenPublishChannelAsync(cancellationToken).ConfigureAwait(false);
            for (var start = 0; start < events.Count;)
            {
                // Encoded under the lock: the buffers are the bus's, reused from batch to batch.
                start += PymarEventCodec.EncodeBatch(events, start, _batch, _scratch, _writer);
                await channel.BasicPublishAsync(ExchangeName, BatchRoutingKey, mandatory: false, s_properties, _batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or InvalidOperationException)
        {
            _publishChannel = null;
            throw;
        }
        finally
        {
            _publishLock.Release();
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(IPymarEventHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, handler);
        await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IPymarEventBus, the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _publishChannel, null) is { } channel)
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        _publishLock.Dispose();
    }

    private static async ValueTask DeclareExchangeAsync(IChannel channel, CancellationToken cancellationToken) =>
        await channel.ExchangeDeclareAsync(ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);

    private static async ValueTask CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // A channel that is already gone.
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<IChannel> OpenPublishChannelAsync(CancellationToken cancellationToken)
    {
        if (_publishChannel is { } old)
        {
            await CloseQuietlyAsync(old).ConfigureAwait(false);
            _publishChannel = null;
        }

        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        _publishChannel = channel;
        return channel;
    }

    /// <summary>One subscriber's queue and consumer; it keeps trying until the broker answers, then automatic recovery keeps it.</summary>
    private sealed class Subscription(RabbitMqEventBus bus, IPymarEventHandler handler) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private IChannel? _channel;
        private Task _retry = Task.CompletedTask;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsBrokerFault(ex))
            {
                RabbitMqEventsLog.SubscribeFailed(bus._logger, ex.Message);
                _retry = RetryAsync(_stop.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _retry.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while waiting for the broker.
            }

            if (Interlocked.Exchange(ref _channel, null) is { } channel)
            {
                await CloseQuietlyAsync(channel).ConfigureAwait(false);
            }
        }

        private static bool IsBrokerFault(Exception ex) =>
            ex is TransportUnavailableException or AlreadyClosedException or OperationInterruptedException or BrokerUnreachableException or IOException or TimeoutException;

        private async Task RetryAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                await Task.Delay(s_retryDelay, cancellationToken).ConfigureAwait(false);
                try
                {
                    await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (IsBrokerFault(ex))
                {
                    RabbitMqEventsLog.SubscribeFailed(bus._logger, ex.Message);
                }
            }
        }

        private async Task SubscribeOnceAsync(CancellationToken cancellationToken)
        {
            var connection = await bus._connection.GetAsync(cancellationToken).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
                var arguments = new Dictionary<string, object?> { ["x-max-length"] = 10_000, ["x-overflow"] = "drop-head" };
                var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(queue.QueueName, ExchangeName, "#", arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += (_, delivery) =>
                {
                    Deliver(delivery.Body.Span);
                    return Task.CompletedTask;
                };
                await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await CloseQuietlyAsync(channel).ConfigureAwait(false);
                throw;
            }

            _channel = channel;
        }

        private void Deliver(ReadOnlySpan<byte> body)
        {
            var events = PymarEventCodec.DecodeMessage(body, out var malformed, out var reason);
            for (var i = 0; i < events.Count; i++)
            {
                handler.OnEvent(events[i]);
            }

            for (var i = 0; i < malformed; i++)
            {
                handler.OnMalformed(reason ?? "not an event");
            }
        }
    }
}
