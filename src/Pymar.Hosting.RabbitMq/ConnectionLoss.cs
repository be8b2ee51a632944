using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// What a closed channel or a lost connection throws, and closing one that may already be gone. Such an exception
/// means the broker went away, not that the call was wrong: the client recovers the connection, and the broker
/// returns the channel's unacknowledged slices to their queue.
/// </summary>
internal static class ConnectionLoss
{
    /// <summary>True for the exceptions of a channel or connection that closed under the call.</summary>
    public static bool Is(Exception exception) => exception is AlreadyClosedException or OperationInterruptedException or IOException;

    /// <summary>
    /// The <see cref="TransportUnavailableException"/> for a connection lost while <paramref name="doing"/>: callers that
    /// wait for the broker (a worker starting) retry it like an unreachable broker.
    /// </summary>
    public static TransportUnavailableException Unavailable(Exception exception, string doing) =>
        new($"The connection to RabbitMQ closed while {doing}: {exception.Message}", exception);

    /// <summary>Closes and disposes <paramref name="channel"/>, ignoring that it may have closed already.</summary>
    public static async ValueTask CloseQuietlyAsync(this IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (Is(ex))
        {
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes and disposes <paramref name="connection"/>, waiting at most <paramref name="timeout"/> for the broker.</summary>
    public static async ValueTask CloseQuietlyAsync(this IConnection connection, TimeSpan timeout)
    {
        try
        {
            await connection.CloseAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (Is(ex) || ex is TimeoutException or OperationCanceledException)
        {
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
