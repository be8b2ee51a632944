using System.Globalization;
using System.Text;
using System.Text.Json;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// Wraps the real transport (RabbitMqTransport) as the registered <see cref="IPymarTransport"/>: counts the bytes of
/// every slice and reply body it publishes, and, while tracing is on, stamps each stage of each slice with the
/// correlation id the messages carry. With tracing and worker-side counting off it adds a counter increment per
/// published slice and nothing per delivery. <c>prefetchOverride</c> is for the --what-if-prefetch experiment only.
/// </summary>
internal sealed class TracingTransport(IPymarTransport inner, TraceLog trace, WireCounters counters, string queuePrefix, int? prefetchOverride = null) : IPymarTransport, ISliceCancellation
{
    public string Description => inner.Description;

    public long MaxMessageBytes => inner.MaxMessageBytes;

    public bool IsConnected => inner.IsConnected;

    public ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default) =>
        inner.OpenReplyInboxAsync(
            body =>
            {
                if (trace.Enabled)
                {
                    trace.Add(TraceKind.ReplyArrive, ReplyKey(body.Span));
                }

                return onReply(body);
            },
            onRecovered,
            cancellationToken);

    public ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default) =>
        inner.PublishJobEndedAsync(jobId, cancellationToken);

    public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
        inner.SubscribeJobEndedAsync(onJobEnded, cancellationToken);

    // A straggler's losing copy is cancelled through the real transport, as without this decorator.
    ValueTask ISliceCancellation.PublishSliceCancelledAsync(string jobId, int sliceIndex, CancellationToken cancellationToken) =>
        inner is ISliceCancellation control ? control.PublishSliceCancelledAsync(jobId, sliceIndex, cancellationToken) : ValueTask.CompletedTask;

    ValueTask<IAsyncDisposable> ISliceCancellation.SubscribeControlAsync(Func<string, ValueTask> onJobEnded, Func<string, int, ValueTask> onSliceCancelled, CancellationToken cancellationToken) =>
        inner is ISliceCancellation control ? control.SubscribeControlAsync(onJobEnded, onSliceCancelled, cancellationToken) : inner.SubscribeJobEndedAsync(onJobEnded, cancellationToken);

    public ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
    {
        counters.Slice(body.Length, AmqpFraming.SliceOverhead(queuePrefix.Length + producerName.Length, properties, body.Length));
        return trace.Enabled ? TracedPublishAsync(producerName, body, properties, cancellationToken) : inner.PublishSliceAsync(producerName, body, properties, cancellationToken);
    }

    public ValueTask<ISliceConsumer> ConsumeSlicesAsync(
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        CancellationToken cancellationToken = default) =>
        inner.ConsumeSlicesAsync(
            producerNames,
            prefetchOverride ?? prefetch,
            (delivery, ct) =>
            {
                if (!trace.Enabled && !counters.Enabled)
                {
                    return onSlice(delivery, ct);
                }

                trace.Add(TraceKind.Deliver, delivery.CorrelationId);
                return onSlice(new TracedDelivery(delivery, trace, counters), ct);
            },
            cancellationToken);

    public ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default) =>
        inner.PurgeAsync(producerNames, cancellationToken);

    /// <summary>The correlation id (<c>job:slice</c>) of a reply body, read from its <c>job</c> and <c>slice</c> members.</summary>
    internal static string? ReplyKey(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        string? job = null;
        int? slice = null;
        while (reader.Read() && (job is null || slice is null))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("job"u8))
                {
                    reader.Read();
                    job = reader.GetString();
                }
                else if (reader.ValueTextEquals("slice"u8))
                {
                    reader.Read();
                    slice = reader.GetInt32();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return job is null || slice is null ? null : string.Create(CultureInfo.InvariantCulture, $"{job}:{slice}");
    }

    private async ValueTask TracedPublishAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken)
    {
        trace.Add(TraceKind.PublishStart, properties.CorrelationId);
        await inner.PublishSliceAsync(producerName, body, properties, cancellationToken);
        trace.Add(TraceKind.PublishEnd, properties.CorrelationId);
    }

    /// <summary>A delivery whose acknowledgement is stamped.</summary>
    private sealed class TracedDelivery(SliceDelivery inner, TraceLog trace, WireCounters counters) : SliceDelivery
    {
        public override ReadOnlyMemory<byte> Body => inner.Body;

        public override bool Redelivered => inner.Redelivered;

        public override int DeliveryCount => inner.DeliveryCount;

        public override async ValueTask ReplyAsync(string replyTo, ReadOnlyMemory<byte> body, string correlationId, CancellationToken cancellationToken = default)
        {
            counters.Reply(body.Length);
            trace.Add(TraceKind.ReplyStart, correlationId);
            await inner.ReplyAsync(replyTo, body, correlationId, cancellationToken);
            trace.Add(TraceKind.ReplyEnd, correlationId);
        }

        public override string? ReplyTo => inner.ReplyTo;

        public override string? CorrelationId => inner.CorrelationId;

        public override string Queue => inner.Queue;

        public override async ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            trace.Add(TraceKind.AckStart, inner.CorrelationId);
            await inner.AckAsync(cancellationToken);
            trace.Add(TraceKind.AckEnd, inner.CorrelationId);
        }

        public override ValueTask RejectAsync(bool requeue, string? reason = null, CancellationToken cancellationToken = default) =>
            inner.RejectAsync(requeue, reason, cancellationToken);
    }
}

/// <summary>
/// The AMQP 0-9-1 bytes around a published body, for the properties RabbitMqTransport sets: a basic.publish method
/// frame, a content header frame with the properties, and one 8-byte frame envelope per body frame (128 KiB frames).
/// </summary>
internal static class AmqpFraming
{
    private const int FrameMax = 131_072;

    public static int SliceOverhead(int routingKeyLength, SliceMessageProperties properties, int bodyLength)
    {
        // content-type "application/json", type "pymar.slice", correlation-id, reply-to, delivery-mode 2.
        var propertyBytes = ShortString("application/json") + ShortString("pymar.slice") + ShortString(properties.CorrelationId) + ShortString(properties.ReplyTo) + 1;
        return Overhead(routingKeyLength, propertyBytes, bodyLength);
    }

    /// <summary>A reply carries no properties: its body names its job and slice.</summary>
    public static int ReplyOverhead(int routingKeyLength, int bodyLength) => Overhead(routingKeyLength, 0, bodyLength);

    private static int Overhead(int routingKeyLength, int propertyBytes, int bodyLength)
    {
        var method = 8 + 2 + 2 + 2 + 1 + 1 + routingKeyLength + 1;      // frame envelope, class, method, ticket, exchange "", routing key, flags
        var header = 8 + 2 + 2 + 8 + 2 + propertyBytes;                   // frame envelope, class, weight, body size, property flags
        var bodyFrames = Math.Max(1, (bodyLength + FrameMax - 9) / (FrameMax - 8));
        return method + header + (8 * bodyFrames);
    }

    private static int ShortString(string value) => 1 + Encoding.UTF8.GetByteCount(value);
}
