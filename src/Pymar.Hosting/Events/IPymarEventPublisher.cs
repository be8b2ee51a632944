namespace Pymar.Hosting.Events;

/// <summary>
/// Publishes <see cref="PymarEvent"/>s, fire and forget: <see cref="Publish"/> never blocks and never throws for the
/// transport's sake. Events wait in a bounded queue; when it is full the event is dropped and counted. The typed
/// helpers (<c>SliceStarted</c>, <c>JobProgress</c> …) are in <see cref="PymarEventPublisherExtensions"/>.
/// </summary>
internal interface IPymarEventPublisher
{
    /// <summary>False when events are turned off (<c>Pymar:Events:Enabled</c>): callers may skip building events.</summary>
    bool IsEnabled { get; }

    /// <summary>How many events were dropped because the queue was full or the transport failed.</summary>
    long Dropped { get; }

    /// <summary>Queues <paramref name="pymarEvent"/>; stamps its time and sender when they are unset.</summary>
    /// <param name="pymarEvent">The event.</param>
    /// <returns>False when it was dropped (queue full, or events off).</returns>
    bool Publish(PymarEvent pymarEvent);
}
