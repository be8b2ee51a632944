namespace Pymar.Hosting.Transport;

/// <summary>
/// Carries slice messages from producers to workers and replies back. The in-process transport is the embedded
/// default; the RabbitMQ transport carries them between machines. Bodies are opaque bytes to a transport.
/// </summary>
public interface IPymarTransport
{
    /// <summary>A short description of where messages go (for log lines; never holds a password).</summary>
    string Description { get; }

    /// <summary>True while the transport is connected to its broker (always true in process).</summary>
    bool IsConnected { get; }

    /// <summary>The largest slice message this transport carries, in bytes.</summary>
    long MaxMessageBytes { get; }

    /// <summary>The value of OpenTelemetry's <c>messaging.system</c> attribute on Pymar's spans (for example <c>rabbitmq</c>).</summary>
    string MessagingSystem => "pymar";

    /// <summary>The name of the work queue of <paramref name="producerName"/>, for the <c>messaging.destination.name</c> attribute.</summary>
    /// <param name="producerName">The registered producer name.</param>
    string QueueName(string producerName) => producerName;

    /// <summary>
    /// Opens an inbox for slice replies; <paramref name="onReply"/> is called once per reply body received.
    /// Dispose the inbox to remove it.
    /// </summary>
    /// <param name="onReply">
    /// Receives each reply body. The body may be the transport's own buffer, valid only until the task that
    /// <paramref name="onReply"/> returns has completed: a handler that keeps it longer copies it.
    /// </param>
    /// <param name="cancellationToken">Cancels opening the inbox.</param>
    /// <param name="onRecovered">
    /// Called when the inbox was rebuilt after the connection to the broker was lost, so replies sent meanwhile may
    /// be gone; the client then asks again for the slices it is missing.
    /// </param>
    ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default);

    /// <summary>Publishes a slice request to the queue of <paramref name="producerName"/>; returns once the transport holds it.</summary>
    /// <param name="producerName">The registered producer name, which names the queue.</param>
    /// <param name="body">The serialized request.</param>
    /// <param name="properties">Correlation, reply address and expiry of the message.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts consuming the queues of <paramref name="producerNames"/>, holding at most <paramref name="prefetch"/>
    /// unacknowledged slices at once. Each slice is passed to <paramref name="onSlice"/>, which must eventually
    /// acknowledge or reject it. Dispose the result to stop consuming; unacknowledged slices return to their queue.
    /// </summary>
    /// <param name="producerNames">The producers whose slices to take.</param>
    /// <param name="prefetch">The most unacknowledged slices held at once.</param>
    /// <param name="onSlice">Receives each slice.</param>
    /// <param name="cancellationToken">Cancels starting the consumer.</param>
    ValueTask<ISliceConsumer> ConsumeSlicesAsync(
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        CancellationToken cancellationToken = default);

    /// <summary>Tells every worker that a job has ended (done, failed, cancelled or timed out), so they drop its slices.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Receives the ids of ended jobs until the result is disposed.</summary>
    /// <param name="onJobEnded">Receives each ended job's id.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default);

    /// <summary>Removes every message waiting in the queues of <paramref name="producerNames"/>; returns how many.</summary>
    /// <param name="producerNames">The producers whose queues to purge.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default);
}
