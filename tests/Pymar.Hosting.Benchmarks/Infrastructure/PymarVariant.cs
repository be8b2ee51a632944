namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// A Pymar arrangement of the benchmark: each has its own queue prefix, producer host in the harness and worker
/// process, so two of them differ only in what the variant changes.
/// </summary>
internal enum PymarVariant
{
    /// <summary>Pymar's defaults (quorum queues, events off).</summary>
    Default,

    /// <summary><c>Pymar:Broker:QueueType=classic</c>.</summary>
    Classic,

    /// <summary>Events on (<c>UseRabbitMqEvents</c>) on the worker and the producer.</summary>
    Events,

    /// <summary>
    /// The events contender's twin with events off: its own host and worker, run as often as the events one, so the
    /// events line compares two arrangements that differ only in events.
    /// </summary>
    EventsOff,

    /// <summary>
    /// The ordering pair's host and worker: Pymar's defaults, serving both the ordered fold and the fold in arrival
    /// order, so the two arms of that pair differ only in the fold.
    /// </summary>
    Ordering,
}
