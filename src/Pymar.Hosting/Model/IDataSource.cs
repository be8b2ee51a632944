namespace Pymar.Hosting;

/// <summary>
/// Marks a type as a Pymar data source so that it can be registered with <c>AddDataSource&lt;T&gt;()</c>.
/// Implement <see cref="IDataSource{TItem}"/> (through <see cref="DataSource{TItem}"/> or
/// <see cref="AsyncDataSource{TItem}"/>) rather than this interface alone.
/// </summary>
#pragma warning disable CA1040 // A marker lets registration be checked by the compiler instead of by reflection.
public interface IDataSource
{
}
#pragma warning restore CA1040

/// <summary>
/// A data set of known length whose items can be read one window at a time.
/// Implement it through <see cref="DataSource{TItem}"/> (in-memory or computed items) or
/// <see cref="AsyncDataSource{TItem}"/> (I/O-bound items such as database rows).
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public interface IDataSource<TItem> : IDataSource
{
    /// <summary>Returns the total number of items of the data set (Pymar's <c>full_length</c>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the items of <paramref name="window"/> in order.</summary>
    /// <param name="window">The window to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<TItem> ReadAsync(SliceWindow window, CancellationToken cancellationToken = default);
}
