using System.Collections.Concurrent;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Testing;

/// <summary>
/// A broker in the test's own process: the queues, reply inboxes and dead letters of the in-process transport, with
/// the acknowledgement rules of a real broker. Give the same instance to several hosts
/// (<c>UseTestHarness(broker)</c>) to run a producer host and worker hosts side by side without a broker server.
/// </summary>
/// <example>
/// <code>
/// var broker = new InProcessBroker();
/// producerHost.Services.AddPymar().AddProducer&lt;SquaredSum&gt;().UseTestHarness(broker);
/// workerHost.Services.AddPymar().AddProducer&lt;SquaredSum&gt;().AddWorkers().UseTestHarness(broker);
/// </code>
/// </example>
public sealed class InProcessBroker
{
    private readonly Transport.InProcessBroker _broker = new();
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();

    /// <summary>Creates an empty broker.</summary>
    public InProcessBroker()
    {
        _broker.DeadLettered += deadLetter =>
        {
            var copy = new DeadLetter(deadLetter.Queue, deadLetter.Body, deadLetter.Reason);
            _deadLetters.Enqueue(copy);
            DeadLettered?.Invoke(copy);
        };
    }

    /// <summary>The messages workers rejected without requeue, oldest first.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters => [.. _deadLetters];

    /// <summary>How many reply inboxes are open (one per running <see cref="ProducerClient"/>).</summary>
    public int OpenInboxCount => _broker.OpenInboxCount;

    /// <summary>Raised after a message is dead-lettered (it is in <see cref="DeadLetters"/> already).</summary>
    internal event Action<DeadLetter>? DeadLettered;

    /// <summary>How many slice messages wait in the queue of <paramref name="producerName"/> (not counting delivered ones).</summary>
    /// <param name="producerName">The registered producer name.</param>
    public int CountWaiting(string producerName)
    {
        ArgumentNullException.ThrowIfNull(producerName);
        return _broker.CountWaiting(producerName);
    }

    /// <summary>
    /// A transport over this broker, for a host's <see cref="TransportRegistration"/> or to publish a message of the
    /// test's own making.
    /// </summary>
    public IPymarTransport CreateTransport() => new InProcessTransport(_broker);
}
