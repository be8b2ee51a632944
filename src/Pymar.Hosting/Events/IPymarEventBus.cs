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
    /// Subscribes <paramref name="handler"/> to every event from now on. It returns once the subscription is in place,
    /// or, when the broker cannot be reached, at once while it keeps trying (and after a broker restart it resubscribes).
    /// </summary>
    /// <param name="handler">Receives the events and the garbage.</param>
    /// <param name="cancellationToken">Cancels the first attempt.</param>
    /// <returns>Ends the subscription when disposed.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(IPymarEventHandler handler, CancellationToken cancellationToken = default);
}
