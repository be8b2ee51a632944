using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Pymar.Hosting.Transport;

/// <summary>
/// The queues and reply inboxes of the in-process transport. One broker is shared by every host of a process that
/// is given the same instance, which lets tests run producers and several worker pools side by side without a
/// broker server. Compiled into the core (the embedded default) and, as a linked source file, into
/// Pymar.Hosting.Testing, whose public broker wraps it.
/// </summary>
internal sealed class InProcessBroker
{
    private readonly ConcurrentDictionary<string, Channel<InProcessMessage>> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<ReadOnlyMemory<byte>, ValueTask>> _inboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();
    private readonly ConcurrentDictionary<Guid, Func<string, ValueTask>> _jobEndedSubscribers = new();
    private readonly ConcurrentDictionary<Guid, WorkerAnnouncement> _workers = new();
    private readonly ConcurrentDictionary<Guid, Func<string, int, ValueTask>> _sliceCancelledSubscribers = new();

    /// <summary>Messages rejected without requeue, with the reason given.</summary>
    public IReadOnlyCollection<DeadLetter> DeadLetters => _deadLetters;

    /// <summary>Raised after a message is dead-lettered (after it is in <see cref="DeadLetters"/>).</summary>
    public event Action<DeadLetter>? DeadLettered;

    /// <summary>How many messages wait in the queue of <paramref name="producerName"/> (not counting unacknowledged ones).</summary>
    /// <param name="producerName">The registered producer name.</param>
    public int CountWaiting(string producerName) => _queues.TryGetValue(producerName, out var queue) ? queue.Reader.Count : 0;

    /// <summary>How many reply inboxes are open.</summary>
    public int OpenInboxCount => _inboxes.Count;

    internal Channel<InProcessMessage> Queue(string name) =>
        _queues.GetOrAdd(name, static _ => Channel.CreateUnbounded<InProcessMessage>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false }));

    internal void Enqueue(string queue, InProcessMessage message)
    {
        if (!Queue(queue).Writer.TryWrite(message))
        {
            throw new InvalidOperationException($"The in-process queue '{queue}' is closed.");
        }
    }

    internal void AddInbox(string address, Func<ReadOnlyMemory<byte>, ValueTask> onReply) => _inboxes[address] = onReply;

    internal void RemoveInbox(string address) => _inboxes.TryRemove(address, out _);

    internal ValueTask DeliverReplyAsync(string address, ReadOnlyMemory<byte> body) =>
        _inboxes.TryGetValue(address, out var onReply) ? onReply(body) : ValueTask.CompletedTask;

    internal IDisposable SubscribeJobEnded(Func<string, ValueTask> onJobEnded)
    {
        var id = Guid.NewGuid();
        _jobEndedSubscribers[id] = onJobEnded;
        return new Subscription(() => _jobEndedSubscribers.TryRemove(id, out _));
    }

    internal async ValueTask PublishJobEndedAsync(string jobId)
    {
        foreach (var subscriber in _jobEndedSubscribers.Values)
        {
            await subscriber(jobId).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a worker pool of this process as live until the result is disposed.</summary>
    internal IDisposable AddWorker(WorkerAnnouncement announcement)
    {
        var id = Guid.NewGuid();
        _workers[id] = announcement;
        return new Subscription(() => _workers.TryRemove(id, out _));
    }

    internal LiveSlots LiveSlots(string producerName) => Transport.LiveSlots.Serving(_workers.Values, producerName);

    internal IDisposable SubscribeSliceCancelled(Func<string, int, ValueTask> onSliceCancelled)
    {
        var id = Guid.NewGuid();
        _sliceCancelledSubscribers[id] = onSliceCancelled;
        return new Subscription(() => _sliceCancelledSubscribers.TryRemove(id, out _));
    }

    internal async ValueTask PublishSliceCancelledAsync(string jobId, int sliceIndex)
    {
        foreach (var subscriber in _sliceCancelledSubscribers.Values)
        {
            await subscriber(jobId, sliceIndex).ConfigureAwait(false);
        }
    }

    internal void DeadLetter(string queue, InProcessMessage message, string? reason)
    {
        var deadLetter = new DeadLetter(queue, message.Body, reason);
        _deadLetters.Enqueue(deadLetter);
        DeadLettered?.Invoke(deadLetter);
    }

    internal long Purge(string queue)
    {
        long purged = 0;
        if (_queues.TryGetValue(queue, out var channel))
        {
            while (channel.Reader.TryRead(out _))
            {
                purged++;
            }
        }

        return purged;
    }
}

/// <summary>Runs an action once when disposed.</summary>
internal sealed class Subscription(Action dispose) : IDisposable, IAsyncDisposable
{
    private Action? _dispose = dispose;

    public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A message the in-process broker dead-lettered.</summary>
/// <param name="Queue">The queue it came from.</param>
/// <param name="Body">Its body.</param>
/// <param name="Reason">Why it was rejected.</param>
internal sealed record DeadLetter(string Queue, ReadOnlyMemory<byte> Body, string? Reason);

/// <summary>A message held by the in-process broker.</summary>
internal sealed record InProcessMessage(ReadOnlyMemory<byte> Body, string CorrelationId, string ReplyTo, int DeliveryCount, IReadOnlyDictionary<string, string>? PropagationHeaders = null);
