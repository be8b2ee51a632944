using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// The local RabbitMQ broker the tests run against (<c>./deploy/rabbitmq/start-local.sh</c>; <c>./deploy/test.sh</c>
/// starts it). Each test takes its own queue prefix, so tests in parallel never share a queue, and deletes its queues.
/// </summary>
public static class TestBroker
{
    /// <summary>The broker as the programs and hosts under test are given it.</summary>
    public const string Uri = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>A queue prefix no other test uses: <c>pymar.t{guid}.</c>.</summary>
    public static string NewQueuePrefix() => $"pymar.t{Guid.NewGuid():N}.";

    /// <summary>Connects to the broker; fails with what to run when no broker accepts the connection.</summary>
    public static async Task<IConnection> ConnectAsync(string clientName, CancellationToken cancellationToken = default)
    {
        var factory = new ConnectionFactory
        {
            Uri = new System.Uri(Uri),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            ClientProvidedName = clientName,
        };
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ broker accepts AMQP connections as guest on 127.0.0.1:5672 ({ex.InnerException?.Message ?? ex.Message}). " +
                "These tests need one: run ./deploy/rabbitmq/start-local.sh (./deploy/test.sh runs it before the tests).", ex);
        }
    }

    /// <summary>The passive declare of <paramref name="queue"/> (its ready messages and consumers), or null when it does not exist.</summary>
    public static async Task<QueueDeclareOk?> InspectQueueAsync(IConnection connection, string queue)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                return await channel.QueueDeclarePassiveAsync(queue).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                return null;
            }
        }
    }

    /// <summary><see cref="InspectQueueAsync(IConnection, string)"/> on a connection of its own.</summary>
    public static async Task<QueueDeclareOk?> InspectQueueAsync(string queue)
    {
        var connection = await ConnectAsync("pymar tests").ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await InspectQueueAsync(connection, queue).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes what the hosts of prefix <paramref name="prefix"/> declared: the work queues of
    /// <paramref name="producers"/>, the dead-letter queue and the control exchange, where they exist.
    /// </summary>
    public static async Task DeleteQueuesAsync(IConnection connection, string prefix, IEnumerable<string> producers)
    {
        ArgumentNullException.ThrowIfNull(connection);
        foreach (var queue in producers.Select(p => prefix + p).Append(prefix + "dead-letter"))
        {
            await DeleteAsync(connection, channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false)).ConfigureAwait(false);
        }

        await DeleteAsync(connection, channel => channel.ExchangeDeleteAsync(prefix + "control", ifUnused: false)).ConfigureAwait(false);
    }

    /// <summary><see cref="DeleteQueuesAsync(IConnection, string, IEnumerable{string})"/> on a connection of its own.</summary>
    public static async Task DeleteQueuesAsync(string prefix, params string[] producers)
    {
        var connection = await ConnectAsync("pymar tests cleanup").ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await DeleteQueuesAsync(connection, prefix, producers).ConfigureAwait(false);
            await connection.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one deletion on a channel of its own; a queue still owned by an open connection, or gone already, is left.</summary>
    public static async Task DeleteAsync(IConnection connection, Func<IChannel, Task> delete)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(delete);
        var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                await delete(channel).ConfigureAwait(false);
            }
            catch (OperationInterruptedException)
            {
                // Exclusive to a connection still open (its owner deletes it), or already gone.
            }
        }
    }
}
