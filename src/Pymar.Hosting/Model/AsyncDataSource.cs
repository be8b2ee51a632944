namespace Pymar.Hosting;

/// <summary>
/// A data source whose items come from I/O (a database, a file, a service) and are read asynchronously with
/// cancellation. A worker reads the slice's items first, then runs the producer's <c>Map</c> and <c>Reduce</c>
/// over them, so one slice's items must fit in the worker's memory.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public abstract class AsyncDataSource<TItem> : IDataSource<TItem>
{
    /// <inheritdoc />
    public abstract ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract IAsyncEnumerable<TItem> ReadAsync(SliceWindow window, CancellationToken cancellationToken = default);
}
