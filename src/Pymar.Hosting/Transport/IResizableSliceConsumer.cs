namespace Pymar.Hosting.Transport;

/// <summary>
/// An optional capability of an <see cref="ISliceConsumer"/>: its prefetch can change while it consumes, and it can
/// count the slices waiting in its queues. A worker pool whose <c>Pymar:Worker:Concurrency</c> is a range needs it to
/// grow and shrink; over a consumer without it the pool keeps its minimum.
/// </summary>
public interface IResizableSliceConsumer
{
    /// <summary>
    /// Holds at most <paramref name="prefetch"/> unacknowledged slices from now on (as
    /// <see cref="IPymarTransport.ConsumeSlicesAsync"/>'s prefetch). Slices already delivered stay with the worker until
    /// it settles them; a smaller prefetch takes effect as they are settled, so no delivery is lost or returned.
    /// </summary>
    /// <param name="prefetch">The most unacknowledged slices held at once, at least 1.</param>
    /// <param name="cancellationToken">Cancels waiting for the change.</param>
    ValueTask ResizeAsync(int prefetch, CancellationToken cancellationToken = default);

    /// <summary>How many slices wait in the consumed queues, not delivered to any worker yet; 0 when it cannot tell now.</summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    ValueTask<long> CountWaitingAsync(CancellationToken cancellationToken = default);
}
