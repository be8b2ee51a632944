namespace Pymar.Hosting.Events;

/// <summary>
/// Carries <see cref="PymarEvent"/>s between processes (RabbitMQ's <c>pymar.events</c> exchange) or inside one (the
/// in-process default). Delivery is best effort: events are transient and a reader that is not subscribed misses them.
/// </summary>
public interface IPymarEventBus
{
    /// <summary>Sends one event to every subscriber. Publishers call this through <see cref="IPymarEventPublisher"/>, not directly.</summary>
    /// <param name="pymarEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask PublishAsync(PymarEvent pymarEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends several events, in order, to every subscriber; a bus may carry them as one message (RabbitMQ sends a
    /// batch: a JSON array of events) and subscribers still receive them one by one. The event
    /// pump calls this with what gathered in the publisher's queue. By default it sends them one at a time.
    /// </summary>
    /// <param name="events">The events, oldest first.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    async ValueTask PublishBatchAsync(IReadOnlyList<PymarEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 0; i < events.Count; i++)
        {
            await PublishAsync(events[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Subscribes <paramref name="handler"/> to every event from now on. It returns once the subscription is in place,
    /// or, when the broker cannot be reached, at once while it keeps trying (and after a broker restart it resubscribes).
    /// </summary>
    /// <param name="handler">Receives the events and the garbage.</param>
    /// <param name="cancellationToken">Cancels the first attempt.</param>
    /// <returns>Ends the subscription when disposed.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(IPymarEventHandler handler, CancellationToken cancellationToken = default);
}
