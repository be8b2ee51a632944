using System.Runtime.CompilerServices;

namespace Pymar.Hosting;

/// <summary>
/// A data source whose items are computed or held in memory and read synchronously, like Pymar's
/// <c>DataSource</c>: report <see cref="GetLength"/> and yield the items of a window from <see cref="Read"/>.
/// Register it with <c>AddDataSource&lt;T&gt;()</c>; workers create it through dependency injection, so it may take
/// constructor dependencies.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public abstract class DataSource<TItem> : IDataSource<TItem>
{
    /// <summary>Returns the total number of items of the data set.</summary>
    public abstract long GetLength();

    /// <summary>Yields the items of <paramref name="window"/> in order.</summary>
    /// <param name="window">The window to read; it always lies within <c>[0, GetLength())</c>.</param>
    public abstract IEnumerable<TItem> Read(SliceWindow window);

    /// <inheritdoc />
    public ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default) => new(GetLength());

    /// <inheritdoc />
    public async IAsyncEnumerable<TItem> ReadAsync(SliceWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in Read(window))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
