namespace Pymar.Hosting;

/// <summary>
/// What a worker knows about the slice it computes: the window, the data source built for it, and the items of
/// the window. Passed to <see cref="Producer{TItem, TValue}.ComputeSlice(SliceContext{TItem})"/>.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public sealed class SliceContext<TItem>
{
    internal SliceContext(IDataSource<TItem> source, SliceWindow window, IEnumerable<TItem> items, CancellationToken cancellationToken)
    {
        Source = source;
        Window = window;
        Items = items;
        CancellationToken = cancellationToken;
    }

    /// <summary>The data source built for this slice. Cast it to your own type in a fast path.</summary>
    public IDataSource<TItem> Source { get; }

    /// <summary>The window of the data source that this slice covers.</summary>
    public SliceWindow Window { get; }

    /// <summary>The items of <see cref="Window"/>, read lazily from a synchronous source.</summary>
    public IEnumerable<TItem> Items { get; }

    /// <summary>Signals that the slice is no longer wanted (its job ended or the worker is stopping).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Builds the context of one slice, reading an asynchronous source's items into memory first.</summary>
    internal static async ValueTask<SliceContext<TItem>> ReadAsync(IDataSource<TItem> source, SliceWindow window, CancellationToken cancellationToken)
    {
        if (source is DataSource<TItem> synchronous)
        {
            return new SliceContext<TItem>(source, window, synchronous.Read(window), cancellationToken);
        }

        var buffer = new List<TItem>((int)Math.Min(window.Limit, 1 << 20));
        await foreach (var item in source.ReadAsync(window, cancellationToken).ConfigureAwait(false))
        {
            buffer.Add(item);
        }

        return new SliceContext<TItem>(source, window, buffer, cancellationToken);
    }
}
