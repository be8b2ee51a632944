using System.Buffers.Binary;
using System.Globalization;
using Pymar.Hosting.Benchmarks.Model;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// The raw RPC reference of the stragglers scenario: a worker process with one consumer (prefetch 1, manual
/// acknowledgement after the reply) that computes windows of the compute scenario's integral, printing
/// <c>started OFFSET</c> as each begins; requests are (offset, limit) as two little-endian longs, the answer a double.
/// A consumer that stops answering holds its message until the broker drops its connection (the heartbeat), if ever.
/// </summary>
internal sealed class RawComputeWorker : IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;

    public static string WorkQueue(string prefix) => prefix + "raw.compute";

    public async Task StartAsync(string broker, string prefix, double dx)
    {
        _connection = await RawRpc.ConnectAsync(broker, $"raw-compute-worker {Environment.ProcessId}");
        _channel = await _connection.CreateChannelAsync();
        await _channel.QueueDeclareAsync(WorkQueue(prefix), durable: false, exclusive: false, autoDelete: false);
        await _channel.BasicQosAsync(0, 1, global: false);
        var channel = _channel;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var offset = BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span);
            var limit = BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span[8..]);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {offset}"));
            Console.Out.Flush();
            var sum = await Task.Run(() => FastIntegral.Sum(new SliceWindow(offset, limit), dx));
            var body = new byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(body, sum);
            await channel.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, mandatory: false, new BasicProperties { CorrelationId = delivery.BasicProperties.CorrelationId }, body);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await _channel.BasicConsumeAsync(WorkQueue(prefix), autoAck: false, consumer);
    }

    public ValueTask DisposeAsync() => RawComputeConnection.CloseAsync(_channel, _connection);
}

/// <summary>The raw reference's client for the stragglers scenario: publishes one request per window, sums the answers.</summary>
internal sealed class RawComputeClient : IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;
    private string _replyQueue = "";
    private string _prefix = "";
    private TaskCompletionSource<double>? _done;
    private int _waiting;
    private double _sum;

    public async Task StartAsync(string broker, string prefix)
    {
        _prefix = prefix;
        _connection = await RawRpc.ConnectAsync(broker, $"raw-compute-client {Environment.ProcessId}");
        _channel = await _connection.CreateChannelAsync();
        await _channel.QueueDeclareAsync(RawComputeWorker.WorkQueue(prefix), durable: false, exclusive: false, autoDelete: false);
        _replyQueue = prefix + "raw.compute.reply." + Guid.NewGuid().ToString("N");
        await _channel.QueueDeclareAsync(_replyQueue, durable: false, exclusive: true, autoDelete: true);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            _sum += BinaryPrimitives.ReadDoubleLittleEndian(delivery.Body.Span);
            if (--_waiting == 0)
            {
                _done?.TrySetResult(_sum);
            }

            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(_replyQueue, autoAck: true, consumer);
    }

    /// <summary>Runs one job over <paramref name="windows"/>; returns the integral.</summary>
    public async Task<double> RunAsync(IReadOnlyList<SliceWindow> windows, CancellationToken cancellationToken)
    {
        _done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        (_waiting, _sum) = (windows.Count, 0);
        foreach (var window in windows)
        {
            var body = new byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(body, window.Offset);
            BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8), window.Limit);
            await _channel!.BasicPublishAsync(string.Empty, RawComputeWorker.WorkQueue(_prefix), mandatory: false, new BasicProperties { ReplyTo = _replyQueue }, body, cancellationToken);
        }

        return await _done.Task.WaitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => RawComputeConnection.CloseAsync(_channel, _connection);
}

/// <summary>Closes a raw compute contender's channel and connection, which the broker may have closed already after a stall.</summary>
internal static class RawComputeConnection
{
    public static async ValueTask CloseAsync(IChannel? channel, IConnection? connection)
    {
        try
        {
            if (channel is not null)
            {
                await channel.CloseAsync();
            }

            if (connection is not null)
            {
                await connection.CloseAsync();
            }
        }
        catch (RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            // Closed by the broker already.
        }

        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
