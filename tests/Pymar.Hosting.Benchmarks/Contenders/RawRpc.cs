using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// How the raw RPC reference uses the broker. <see cref="Minimal"/> is the least any framework can do: a classic
/// queue, transient messages, no publisher confirms, manual acknowledgement after the reply. <see cref="Durable"/>
/// gives the same guarantees as Pymar.Hosting's transport (a durable quorum queue, persistent slice messages,
/// publisher confirms on slices and replies), so the gap between it and Pymar is the framework's own cost.
/// <see cref="Quorum"/> is <see cref="Minimal"/> on a quorum queue (Pymar's default queue type): the least a client
/// can pay for that queue type, its Raft commit before each delivery included.
/// </summary>
internal enum RawVariant
{
    Minimal,
    Durable,
    Quorum,
}

/// <summary>Queue names and broker settings of the raw reference.</summary>
internal static class RawRpc
{
    public static string WorkQueue(string prefix, RawVariant variant) => prefix + variant switch
    {
        RawVariant.Minimal => "raw.minimal",
        RawVariant.Durable => "raw.durable",
        _ => "raw.quorum",
    };

    public static async Task<IConnection> ConnectAsync(string broker, string name)
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker), ClientProvidedName = name, AutomaticRecoveryEnabled = false };
        return await factory.CreateConnectionAsync();
    }

    public static async Task DeclareWorkQueueAsync(IChannel channel, string prefix, RawVariant variant)
    {
        if (variant == RawVariant.Minimal)
        {
            await channel.QueueDeclareAsync(WorkQueue(prefix, variant), durable: false, exclusive: false, autoDelete: false);
        }
        else
        {
            await channel.QueueDeclareAsync(WorkQueue(prefix, variant), durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        }
    }

    public static CreateChannelOptions ChannelOptions(RawVariant variant) =>
        new(publisherConfirmationsEnabled: variant == RawVariant.Durable, publisherConfirmationTrackingEnabled: variant == RawVariant.Durable);
}

/// <summary>
/// The raw reference's workers: for each variant, <c>slots</c> consumers, each on its own channel with its own
/// prefetch, that answer each request (an 8-byte index) with an 8-byte number on the request's reply queue and
/// correlation id, then acknowledge it.
/// </summary>
internal sealed class RawRpcWorker(TraceLog trace) : IAsyncDisposable
{
    private readonly List<IChannel> _channels = [];
    private IConnection? _connection;

    public async Task StartAsync(string broker, string prefix, int slots, int prefetch)
    {
        _connection = await RawRpc.ConnectAsync(broker, $"raw-worker {Environment.ProcessId}");
        foreach (var variant in Enum.GetValues<RawVariant>())
        {
            for (var slot = 0; slot < slots; slot++)
            {
                var channel = await _connection.CreateChannelAsync(RawRpc.ChannelOptions(variant));
                _channels.Add(channel);
                await RawRpc.DeclareWorkQueueAsync(channel, prefix, variant);
                await channel.BasicQosAsync(0, (ushort)prefetch, global: false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += (_, delivery) => AnswerAsync(channel, delivery);
                await channel.BasicConsumeAsync(RawRpc.WorkQueue(prefix, variant), autoAck: false, consumer);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            await channel.CloseAsync();
            await channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
    }

    private async Task AnswerAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var correlationId = delivery.BasicProperties.CorrelationId;
        trace.Add(TraceKind.Deliver, correlationId);
        var index = BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span);
        var body = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(body, index + 1);
        var properties = new BasicProperties { CorrelationId = correlationId };
        trace.Add(TraceKind.ReplyStart, correlationId);
        await channel.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, mandatory: false, properties, body);
        trace.Add(TraceKind.ReplyEnd, correlationId);
        trace.Add(TraceKind.AckStart, correlationId);
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        trace.Add(TraceKind.AckEnd, correlationId);
    }
}

/// <summary>
/// The raw reference's client: publishes the N requests of a job (pipelined in windows of 128 confirms for the
/// durable variant, as Pymar's producer does) and gathers the N replies from its exclusive reply queue.
/// </summary>
internal sealed class RawRpcClient(TraceLog trace) : IAsyncDisposable
{
    private const int MaxPublishesInFlight = 128;
    private IConnection? _connection;
    private IChannel? _publish;
    private IChannel? _replies;
    private string _replyQueue = "";
    private string _prefix = "";
    private RawVariant _variant;
    private Job? _job;

    public async Task StartAsync(string broker, string prefix, RawVariant variant)
    {
        _prefix = prefix;
        _variant = variant;
        _connection = await RawRpc.ConnectAsync(broker, $"raw-client {variant} {Environment.ProcessId}");
        _publish = await _connection.CreateChannelAsync(RawRpc.ChannelOptions(variant));
        await RawRpc.DeclareWorkQueueAsync(_publish, prefix, variant);
        _replies = await _connection.CreateChannelAsync();
        _replyQueue = prefix + "raw.reply." + Guid.NewGuid().ToString("N");
        await _replies.QueueDeclareAsync(_replyQueue, durable: false, exclusive: true, autoDelete: true);
        var consumer = new AsyncEventingBasicConsumer(_replies);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var correlationId = delivery.BasicProperties.CorrelationId;
            trace.Add(TraceKind.ReplyArrive, correlationId);
            if (_job is { } job && correlationId is not null && correlationId.StartsWith(job.Id, StringComparison.Ordinal))
            {
                job.Answer(BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span));
            }

            return Task.CompletedTask;
        };
        await _replies.BasicConsumeAsync(_replyQueue, autoAck: true, consumer);
    }

    /// <summary>Runs one job of <paramref name="count"/> requests and returns the sum of the answers.</summary>
    public async Task<long> RunJobAsync(int count, CancellationToken cancellationToken)
    {
        var job = new Job(Guid.NewGuid().ToString("N"), count);
        _job = job;
        var queue = RawRpc.WorkQueue(_prefix, _variant);
        var inFlight = new List<Task>(Math.Min(count, MaxPublishesInFlight));
        for (var i = 0; i < count; i++)
        {
            var body = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(body, i);
            var correlationId = string.Create(CultureInfo.InvariantCulture, $"{job.Id}:{i}");
            var properties = new BasicProperties { CorrelationId = correlationId, ReplyTo = _replyQueue, Persistent = _variant == RawVariant.Durable };
            if (_variant != RawVariant.Durable)
            {
                trace.Add(TraceKind.PublishStart, correlationId);
                await _publish!.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body, cancellationToken);
                trace.Add(TraceKind.PublishEnd, correlationId);
                continue;
            }

            inFlight.Add(PublishConfirmedAsync(queue, properties, body, correlationId, cancellationToken));
            if (inFlight.Count == MaxPublishesInFlight)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight);
        return await job.Done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in new[] { _publish, _replies })
        {
            if (channel is not null)
            {
                await channel.CloseAsync();
                await channel.DisposeAsync();
            }
        }

        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
    }

    private async Task PublishConfirmedAsync(string queue, BasicProperties properties, byte[] body, string correlationId, CancellationToken cancellationToken)
    {
        trace.Add(TraceKind.PublishStart, correlationId);
        await _publish!.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, cancellationToken);
        trace.Add(TraceKind.PublishEnd, correlationId);
    }

    private sealed class Job(string id, int count)
    {
        private int _answered;
        private long _sum;

        public string Id => id;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Counts one answer; replies arrive one at a time on the reply channel's dispatcher.</summary>
        public void Answer(long value)
        {
            _sum += value;
            if (++_answered == count)
            {
                Done.TrySetResult(_sum);
            }
        }
    }
}

/// <summary>Times jobs on a stopwatch.</summary>
internal static class Timing
{
    public static async Task<(TimeSpan Elapsed, T Result)> TimeAsync<T>(Func<Task<T>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await run();
        return (Stopwatch.GetElapsedTime(started), result);
    }
}
