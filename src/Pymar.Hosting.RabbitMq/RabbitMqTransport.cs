using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Carries slices through RabbitMQ: persistent slice messages on one durable quorum queue per producer, published
/// with confirms; workers consume with manual acknowledgement and a prefetch equal to their concurrency; replies
/// go to an exclusive reply queue per <see cref="ProducerClient"/>, correlated by job id and slice index.
/// </summary>
public sealed class RabbitMqTransport : IPymarTransport, IAsyncDisposable, IDisposable
{
    /// <summary>The name that <c>Pymar:Transport</c> uses to choose this transport.</summary>
    public const string Name = "RabbitMq";

    private const string DeadLetterReasonHeader = "x-pymar-reason";
    private const string DeadLetterQueueHeader = "x-pymar-queue";
    private readonly RabbitMqOptions _options;
    private readonly ILogger<RabbitMqTransport> _logger;
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqTopology _topology;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private IChannel? _publishChannel;
    private int _disposed;

    /// <summary>Creates the transport; prefer <c>UseRabbitMq()</c> on the <c>AddPymar</c> builder.</summary>
    /// <param name="options">Where the broker is.</param>
    /// <param name="logger">Receives connection events.</param>
    public RabbitMqTransport(IOptions<RabbitMqOptions> options, ILogger<RabbitMqTransport> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _connection = new RabbitMqConnection(BrokerAddress.From(_options), _options, logger);
        _topology = new RabbitMqTopology(_options, logger);
    }

    /// <inheritdoc />
    public string Description => $"RabbitMQ at {_connection.Address.Display}";

    /// <inheritdoc />
    public long MaxMessageBytes => _options.MaxMessageBytes;

    /// <inheritdoc />
    public bool IsConnected => _connection.IsOpen;

    /// <inheritdoc />
    public async ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        ArgumentNullException.ThrowIfNull(onRecovered);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var queue = _topology.NewReplyQueue();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) => await onReply(delivery.Body.ToArray()).ConfigureAwait(false);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        return new RabbitMqReplyInbox(connection, channel, queue, onRecovered);
    }

    /// <inheritdoc />
    public async ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
    {
        var channel = await GetPublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
        var basicProperties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Type = "pymar.slice",
            CorrelationId = properties.CorrelationId,
            ReplyTo = properties.ReplyTo,
        };
        await PublishConfirmedAsync(channel, queue, basicProperties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ISliceConsumer> ConsumeSlicesAsync(
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        ArgumentNullException.ThrowIfNull(onSlice);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return await RabbitMqSliceConsumer.StartAsync(this, connection, _topology, producerNames, prefetch, onSlice, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes a reply on the transport's own channel (for a slice whose delivery channel has closed).</summary>
    internal async ValueTask PublishReplyAsync(string replyTo, ReadOnlyMemory<byte> body, string correlationId, CancellationToken cancellationToken = default)
    {
        var channel = await GetPublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var basicProperties = new BasicProperties { ContentType = "application/json", Type = "pymar.reply", CorrelationId = correlationId };
        await channel.BasicPublishAsync(string.Empty, replyTo, mandatory: false, basicProperties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var channel = await GetPublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var exchange = await _topology.DeclareControlExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        await channel.BasicPublishAsync(exchange, string.Empty, mandatory: false, new BasicProperties { Type = "pymar.job-ended" }, System.Text.Encoding.UTF8.GetBytes(jobId), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onJobEnded);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var exchange = await _topology.DeclareControlExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
        var queue = _topology.NewControlQueue();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, exchange, string.Empty, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) => await onJobEnded(System.Text.Encoding.UTF8.GetString(delivery.Body.Span)).ConfigureAwait(false);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        return new ChannelLease(channel);
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            long purged = 0;
            foreach (var producerName in producerNames)
            {
                var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
                purged += await channel.QueuePurgeAsync(queue, cancellationToken).ConfigureAwait(false);
            }

            await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
            return purged;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_publishChannel is { } channel)
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                // Already closed with its connection.
            }

            await channel.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        _publishLock.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Publishes a rejected slice to the dead-letter queue with the reason in a header.</summary>
    internal async ValueTask PublishDeadLetterAsync(string queue, ReadOnlyMemory<byte> body, string reason, string? correlationId, CancellationToken cancellationToken)
    {
        var channel = await GetPublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var basicProperties = new BasicProperties
        {
            Persistent = true,
            CorrelationId = correlationId,
            Headers = new Dictionary<string, object?> { [DeadLetterReasonHeader] = reason, [DeadLetterQueueHeader] = queue },
        };
        await PublishConfirmedAsync(channel, _topology.DeadLetterQueue, basicProperties, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes a channel when disposed.</summary>
    private sealed class ChannelLease(IChannel channel) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                // Already closed with its connection.
            }

            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask PublishConfirmedAsync(IChannel channel, string queue, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        // A nack means the broker could not take the message this time (a quorum queue that is still starting, for
        // one); publishing again is safe, since a slice counts once however often it arrives.
        const int Attempts = 4;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PublishException ex) when (!ex.IsReturn && attempt < Attempts)
            {
                var delay = TimeSpan.FromMilliseconds(50 << attempt);
                RabbitMqLog.PublishNacked(_logger, queue, attempt, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (PublishException ex)
            {
                throw new PymarException($"RabbitMQ did not confirm a message to queue '{queue}' ({(ex.IsReturn ? "returned as unroutable" : $"nacked {attempt} times")}); it is not counted as sent.", ex);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                throw new TransportUnavailableException($"The connection to RabbitMQ closed while publishing to queue '{queue}': {ex.Message}", ex);
            }
        }
    }

    private async ValueTask<IChannel> GetPublishChannelAsync(CancellationToken cancellationToken)
    {
        if (_publishChannel is { } open)
        {
            return open;
        }

        await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_publishChannel is null)
            {
                var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
                var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
                _publishChannel = await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
            }

            return _publishChannel;
        }
        finally
        {
            _publishLock.Release();
        }
    }
}
