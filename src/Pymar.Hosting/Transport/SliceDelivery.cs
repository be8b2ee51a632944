namespace Pymar.Hosting.Transport;

/// <summary>One slice request handed to a worker; it must be acknowledged or rejected exactly once.</summary>
public abstract class SliceDelivery
{
    /// <summary>The serialized request.</summary>
    public abstract ReadOnlyMemory<byte> Body { get; }

    /// <summary>True when the transport delivered this message before (for example to a worker that died).</summary>
    public abstract bool Redelivered { get; }

    /// <summary>How many times this message has been delivered, this time included (1 for a first delivery).</summary>
    public abstract int DeliveryCount { get; }

    /// <summary>The reply address from the transport's message properties, if any.</summary>
    public abstract string? ReplyTo { get; }

    /// <summary>The correlation id from the transport's message properties, if any.</summary>
    public abstract string? CorrelationId { get; }

    /// <summary>The queue (producer name) the message came from.</summary>
    public abstract string Queue { get; }

    /// <summary>
    /// The trace context and baggage headers the message carries (see
    /// <see cref="SliceMessageProperties.PropagationHeaders"/>), or null when it carries none.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string>? PropagationHeaders => null;

    /// <summary>
    /// Publishes the reply to this slice. Transports send it so that it is ordered before this delivery's
    /// acknowledgement (RabbitMQ: on the same channel), so a slice is never acknowledged without its answer.
    /// </summary>
    /// <param name="replyTo">The reply address the request named.</param>
    /// <param name="body">The serialized reply.</param>
    /// <param name="correlationId">The request's correlation id.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    public abstract ValueTask ReplyAsync(string replyTo, ReadOnlyMemory<byte> body, string correlationId, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges the message: it is done and leaves the queue.</summary>
    /// <param name="cancellationToken">Cancels the acknowledgement.</param>
    public abstract ValueTask AckAsync(CancellationToken cancellationToken = default);

    /// <summary>Rejects the message: back to its queue when <paramref name="requeue"/>, else dead-lettered or dropped.</summary>
    /// <param name="requeue">Whether the message goes back to its queue.</param>
    /// <param name="reason">Why it is rejected (recorded where the transport can).</param>
    /// <param name="cancellationToken">Cancels the rejection.</param>
    public abstract ValueTask RejectAsync(bool requeue, string? reason = null, CancellationToken cancellationToken = default);
}
