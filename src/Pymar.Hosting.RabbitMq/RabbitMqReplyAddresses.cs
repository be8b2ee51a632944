using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Tells a worker whether a slice's reply may go where the slice asks. Never to one of Pymar's own queues under the
/// queue prefix other than a reply queue (a work queue, the dead-letter queue, a control queue): a reply published
/// there would be taken as a slice. Never to a queue that does not exist: the default exchange would drop it
/// silently. Existence is checked once per queue with a passive declaration on a channel of its own (a failed one
/// closes its channel), and remembered.
/// </summary>
internal sealed class RabbitMqReplyAddresses(RabbitMqTopology topology, RabbitMqOptions options, Func<CancellationToken, Task<IConnection>> connect) : IAsyncDisposable
{
    private const int MaxRemembered = 10_000;

    // RabbitMQ answers a passive declaration of another connection's exclusive queue (every reply queue) with 405.
    private const ushort NotFound = 404;
    private const ushort ResourceLocked = 405;
    private readonly ConcurrentDictionary<string, byte> _existing = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IChannel? _channel;

    /// <summary>Why no reply may go to <paramref name="replyTo"/>, or null when it may.</summary>
    public async ValueTask<string?> RefuseAsync(string replyTo, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(replyTo))
        {
            return "is empty";
        }

        if (replyTo.StartsWith(options.QueuePrefix, StringComparison.Ordinal) && !replyTo.StartsWith(topology.NewReplyQueuePrefix, StringComparison.Ordinal))
        {
            return $"is one of Pymar's own queues (prefix '{options.QueuePrefix}') and not a reply queue: a reply there would be taken as work";
        }

        if (_existing.ContainsKey(replyTo))
        {
            return null;
        }

        return await ExistsAsync(replyTo, cancellationToken).ConfigureAwait(false) ? null : "does not exist: the reply would be dropped";
    }

    /// <summary>Closes the checking channel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_channel is { } channel)
        {
            _channel = null;
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
        }

        _lock.Dispose();
    }

    private async ValueTask<bool> ExistsAsync(string queue, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is not { IsOpen: true })
            {
                var connection = await connect(cancellationToken).ConfigureAwait(false);
                _channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await _channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is NotFound or ResourceLocked)
            {
                await _channel.CloseQuietlyAsync().ConfigureAwait(false);
                _channel = null;
                if (ex.ShutdownReason.ReplyCode == NotFound)
                {
                    return false;
                }
            }
            catch (Exception ex) when (ConnectionLoss.Is(ex))
            {
                // The broker went away: this cannot tell, and the reply would not get through now anyway.
                return true;
            }

            if (_existing.Count >= MaxRemembered)
            {
                _existing.Clear();
            }

            _existing[queue] = 0;
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }
}
