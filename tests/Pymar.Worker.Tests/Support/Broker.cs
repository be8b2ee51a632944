using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Worker.Tests.Support;

/// <summary>
/// The local RabbitMQ broker the tests run against (<c>./deploy/rabbitmq/start-local.sh</c>; <c>./deploy/test.sh</c>
/// starts it). Each test takes its own queue prefix, so tests in parallel never share a queue, and deletes its queues.
/// </summary>
internal static class Broker
{
    /// <summary>The broker as pymar-worker and the producer hosts are given it.</summary>
    public const string Uri = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>A queue prefix no other test uses: <c>pymar.t{guid}.</c>.</summary>
    public static string NewQueuePrefix() => $"pymar.t{Guid.NewGuid():N}.";

    /// <summary>How many consumers the queue has, or null when it does not exist.</summary>
    public static async Task<uint?> ConsumerCountAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).ConsumerCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the work queues of <paramref name="producers"/> and the dead-letter queue under <paramref name="prefix"/>.</summary>
    public static async Task DeleteQueuesAsync(string prefix, params string[] producers)
    {
        await using var connection = await ConnectAsync();
        foreach (var queue in producers.Select(p => prefix + p).Append(prefix + "dead-letter"))
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            }
            catch (OperationInterruptedException)
            {
                // Already gone.
            }
        }
    }

    private static async Task<IConnection> ConnectAsync()
    {
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri), ClientProvidedName = "pymar-worker tests" };
        try
        {
            return await factory.CreateConnectionAsync();
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ broker accepts AMQP connections on 127.0.0.1:5672 ({ex.InnerException?.Message ?? ex.Message}); run ./deploy/rabbitmq/start-local.sh.", ex);
        }
    }
}
