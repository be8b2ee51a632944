namespace Pymar.Hosting.Transport;

/// <summary>
/// An optional capability of an <see cref="IPymarTransport"/>: which worker slots are live, as the transport sees
/// them. Worker pools announce themselves, and a producer asks how many slots serve its producer before it sizes a job
/// with <see cref="SliceCount.Auto"/>. A transport without it makes <see cref="SliceCount.Auto"/> cut
/// <see cref="PymarOptions.AutoSliceFallback"/> slices.
/// </summary>
public interface IWorkerPresence
{
    /// <summary>Announces a worker pool until the result is disposed, which says goodbye.</summary>
    /// <param name="announcement">The pool's id, producers and slots.</param>
    /// <param name="cancellationToken">Cancels starting to announce.</param>
    ValueTask<IAsyncDisposable> AnnounceAsync(WorkerAnnouncement announcement, CancellationToken cancellationToken = default);

    /// <summary>The slots of the live worker pools that serve <paramref name="producerName"/>.</summary>
    /// <param name="producerName">The registered producer name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask<LiveSlots> GetLiveSlotsAsync(string producerName, CancellationToken cancellationToken = default);
}
