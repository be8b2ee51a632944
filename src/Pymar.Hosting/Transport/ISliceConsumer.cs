namespace Pymar.Hosting.Transport;

/// <summary>
/// A running consumer of slice queues. <see cref="PauseAsync"/> stops it taking new slices while the slices it
/// already delivered can still be acknowledged; disposing it returns every unacknowledged slice to its queue.
/// </summary>
public interface ISliceConsumer : IAsyncDisposable
{
    /// <summary>Stops taking new slices; delivered slices can still be acknowledged or rejected.</summary>
    /// <param name="cancellationToken">Cancels waiting for the consumer to stop.</param>
    ValueTask PauseAsync(CancellationToken cancellationToken = default);
}
