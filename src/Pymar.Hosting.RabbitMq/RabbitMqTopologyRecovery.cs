using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// What happens when RabbitMQ.Client cannot restore a queue, exchange, binding or consumer while it recovers a lost
/// connection: the failure is logged (the client itself only writes it to its event source), and an exclusive queue
/// the broker still holds for the lost connection (RESOURCE_LOCKED: in a cluster, the old copy is deleted a moment
/// after the connection is gone) is declared again until the broker has released it. A failure of the connection
/// itself is thrown on, so that the client tries the whole recovery again; any other is left as the client leaves it.
/// </summary>
internal static class RabbitMqTopologyRecovery
{
    /// <summary>How many times an exclusive queue held for the lost connection is declared: about 10 s in all.</summary>
    public const int LockedQueueAttempts = 10;

    private const int ResourceLocked = 405;

    /// <summary>The handler for a connection factory Pymar creates.</summary>
    public static TopologyRecoveryExceptionHandler Handler(ILogger logger) => new()
    {
        QueueRecoveryExceptionHandlerAsync = (queue, error, connection) => RecoverQueueAsync(queue, error, connection, logger),
        ExchangeRecoveryExceptionHandlerAsync = (exchange, error, _) => Fail(logger, $"exchange {exchange.Name}", error),
        BindingRecoveryExceptionHandlerAsync = (binding, error, _) => Fail(logger, $"the binding of {binding.Destination} to {binding.Source}", error),
        ConsumerRecoveryExceptionHandlerAsync = (consumer, error, _) => Fail(logger, $"the consumer of queue {consumer.Queue}", error),
    };

    private static async Task RecoverQueueAsync(IRecordedQueue queue, Exception error, IConnection connection, ILogger logger)
    {
        if (!queue.Exclusive || !IsLocked(error))
        {
            await Fail(logger, $"queue {queue.Name}", error).ConfigureAwait(false);
            return;
        }

        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 2; attempt <= LockedQueueAttempts; attempt++)
        {
            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
            try
            {
                await channel.QueueDeclareAsync(queue.Name, queue.Durable, queue.Exclusive, queue.AutoDelete, queue.Arguments).ConfigureAwait(false);
                RabbitMqLog.ExclusiveQueueRecovered(logger, queue.Name, attempt);
                return;
            }
            catch (Exception ex) when (IsLocked(ex))
            {
                error = ex;
            }
            finally
            {
                await channel.CloseQuietlyAsync().ConfigureAwait(false);
            }
        }

        await Fail(logger, $"queue {queue.Name}", error).ConfigureAwait(false);
    }

    private static bool IsLocked(Exception error) => error is OperationInterruptedException { ShutdownReason.ReplyCode: ResourceLocked };

    private static Task Fail(ILogger logger, string entity, Exception error)
    {
        RabbitMqLog.TopologyRecoveryFailed(logger, entity, error.Message);
        return error is AlreadyClosedException or OperationInterruptedException or TimeoutException
            ? Task.FromException(new TopologyRecoveryException($"Could not restore {entity}", error))
            : Task.CompletedTask;
    }
}
