using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>A plain RabbitMQ.Client 7 connection, used the way an outsider would: publish anything, read any queue.</summary>
internal sealed class RawBroker : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RawBroker(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public IChannel Channel => _channel;

    public static async Task<RawBroker> ConnectAsync(int port = 5672)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = port, UserName = "guest", Password = "guest" };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return new RawBroker(connection, channel);
    }

    public async Task PublishAsync(string queue, string body, string? replyTo = null, string? correlationId = null) =>
        await _channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { ReplyTo = replyTo, CorrelationId = correlationId }, Encoding.UTF8.GetBytes(body));

    /// <summary>Declares a temporary, exclusive queue for replies and returns its name.</summary>
    public async Task<string> DeclareTemporaryQueueAsync() =>
        (await _channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;

    /// <summary>Takes every message of <paramref name="queue"/> until <paramref name="count"/> arrived or the deadline passed.</summary>
    public async Task<IReadOnlyList<BasicGetResult>> GetAsync(string queue, int count, TimeSpan deadline)
    {
        var results = new List<BasicGetResult>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (results.Count < count && watch.Elapsed < deadline)
        {
            var result = await _channel.BasicGetAsync(queue, autoAck: true);
            if (result is null)
            {
                await Task.Delay(50);
                continue;
            }

            results.Add(result);
        }

        return results;
    }

    /// <summary>
    /// Serves <paramref name="queue"/> as a fake worker that answers every slice twice with <paramref name="value"/>
    /// before acknowledging it.
    /// </summary>
    public async Task<string> AnswerTwiceAsync(string queue, Func<string, string> replyFor)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var reply = Encoding.UTF8.GetBytes(replyFor(Encoding.UTF8.GetString(delivery.Body.Span)));
            var properties = new BasicProperties { CorrelationId = delivery.BasicProperties.CorrelationId };
            await _channel.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, mandatory: false, properties, reply);
            await _channel.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, mandatory: false, properties, reply);
            await _channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        return await _channel.BasicConsumeAsync(queue, autoAck: false, consumer);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
        await _connection.CloseAsync();
        await _connection.DisposeAsync();
    }
}
