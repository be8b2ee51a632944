using Microsoft.Extensions.Logging;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// An exclusive, auto-deleted reply queue consumed by one <see cref="ProducerClient"/>. The broker deletes it with a
/// lost connection; the client's topology recovery declares it again under the same name, and then the owner is
/// told that replies may have been lost. Deleted while the connection stays (<c>rabbitmqctl delete_queue</c>, a
/// policy), the broker cancels its consumer: the inbox declares it again under the same name (slices already
/// published keep a valid reply address), consumes it again, and tells the owner the same way.
/// </summary>
internal sealed class RabbitMqReplyInbox : IReplyInbox
{
    private readonly IConnection _connection;
    private readonly string _queue;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _onReply;
    private readonly Func<ValueTask> _onRecovered;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IChannel _channel;
    private volatile bool _disposed;

    private RabbitMqReplyInbox(IConnection connection, IChannel channel, string queue, Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, ILogger logger)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
        _onReply = onReply;
        _onRecovered = onRecovered;
        _logger = logger;
    }

    public string Address => _queue;

    /// <summary>Declares <paramref name="queue"/> on a channel of its own and consumes it.</summary>
    public static async Task<RabbitMqReplyInbox> OpenAsync(
        IConnection connection, string queue, Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, ILogger logger, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var inbox = new RabbitMqReplyInbox(connection, channel, queue, onReply, onRecovered, logger);
        await inbox.DeclareAndConsumeAsync(channel, cancellationToken).ConfigureAwait(false);
        connection.RecoverySucceededAsync += inbox.OnRecoveredAsync;
        RabbitMqLog.ReplyQueueOpened(logger, queue);
        return inbox;
    }

    public async ValueTask DisposeAsync()
    {
        // First: deleting the queue here cancels the consumer too, and that must not declare it again.
        _disposed = true;
        _connection.RecoverySucceededAsync -= OnRecoveredAsync;
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            try
            {
                await _channel.QueueDeleteAsync(_queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ConnectionLoss.Is(ex))
            {
                // The broker deletes an exclusive queue with its connection.
            }

            await _channel.CloseQuietlyAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task DeclareAndConsumeAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(_queue, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        // The body is the client's buffer, valid while this handler runs: the owner reads it before its task completes.
        consumer.ReceivedAsync += async (_, delivery) => await _onReply(delivery.Body).ConfigureAwait(false);
        consumer.UnregisteredAsync += (_, _) => OnCancelledAsync(channel);
        await channel.BasicConsumeAsync(_queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The broker cancelled the consumer with its connection and channel open: the queue was deleted.</summary>
    private Task OnCancelledAsync(IChannel channel)
    {
        if (_disposed || !channel.IsOpen || !_connection.IsOpen)
        {
            return Task.CompletedTask;
        }

        RabbitMqLog.ReplyQueueDeleted(_logger, _queue);

        // Not inside this handler: it runs on the channel's dispatch loop, which the declaration needs.
        _ = Task.Run(RedeclareAsync);
        return Task.CompletedTask;
    }

    private async Task RedeclareAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            if (!_channel.IsOpen)
            {
                await _channel.CloseQuietlyAsync().ConfigureAwait(false);
                _channel = await _connection.CreateChannelAsync().ConfigureAwait(false);
            }

            await DeclareAndConsumeAsync(_channel, CancellationToken.None).ConfigureAwait(false);
            RabbitMqLog.ReplyQueueDeclaredAgain(_logger, _queue);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            // The connection went meanwhile: its recovery declares the queue again and tells the owner.
            RabbitMqLog.ReplyQueueRedeclareFailed(_logger, _queue, ex.Message);
            return;
        }
        finally
        {
            _lock.Release();
        }

        // Replies sent while it was gone are lost: the owner asks again for every unanswered slice.
        await _onRecovered().ConfigureAwait(false);
    }

    /// <summary>
    /// Tells the owner in the background: the client counts its recovery as running until every handler of this event
    /// has returned, and ignores a loss of the new connection meanwhile, so a handler that publishes thousands of
    /// slices again here would leave the connection lost for good if it closed again during that time.
    /// </summary>
    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        // The owner logs what it could not publish again, job by job.
        _ = Task.Run(async () => await _onRecovered().ConfigureAwait(false));
        return Task.CompletedTask;
    }
}
