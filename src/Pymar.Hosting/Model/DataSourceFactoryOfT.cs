namespace Pymar.Hosting;

/// <summary>
/// Says where a job's items come from: a registered data source type that each worker builds for its own window
/// (only the name and the window travel), or items already in the producer's memory (each slice message carries
/// only its own items). Create one with <see cref="For{TSource}()"/> or <see cref="FromItems"/>.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public sealed class DataSourceFactory<TItem>
{
    private DataSourceFactory(Type? dataSourceType, IReadOnlyList<TItem>? items, SliceWindow? part = null)
    {
        DataSourceType = dataSourceType;
        Items = items;
        Part = part;
    }

    /// <summary>The registered data source type, or null when the items are in memory.</summary>
    internal Type? DataSourceType { get; }

    /// <summary>The items in the producer's memory, or null when a registered data source reads them.</summary>
    internal IReadOnlyList<TItem>? Items { get; }

    /// <summary>The part of the source to map over (Pymar's <c>limit</c> and <c>offset</c>), or null for all of it.</summary>
    internal SliceWindow? Part { get; }

    /// <summary>Items read on each worker from a registered data source; only its name and the window travel.</summary>
    /// <typeparam name="TSource">A data source type registered with <c>AddDataSource&lt;TSource&gt;()</c>.</typeparam>
    public static DataSourceFactory<TItem> For<TSource>()
        where TSource : class, IDataSource<TItem> => new(typeof(TSource), null);

    /// <summary>
    /// Only the items <c>[offset, offset + limit)</c> of a registered data source (Pymar's
    /// <c>DataSourceFactory(cls, limit, offset)</c>); a part reaching past the end of the source stops at its end.
    /// </summary>
    /// <typeparam name="TSource">A data source type registered with <c>AddDataSource&lt;TSource&gt;()</c>.</typeparam>
    /// <param name="offset">Index of the first item to map; not negative.</param>
    /// <param name="limit">How many items to map at most; not negative.</param>
    public static DataSourceFactory<TItem> For<TSource>(long offset, long limit)
        where TSource : class, IDataSource<TItem>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return new(typeof(TSource), null, new SliceWindow(offset, limit));
    }

    /// <summary>The window to map over a source of <paramref name="length"/> items: all of it, or the part asked for.</summary>
    internal SliceWindow Within(long length)
    {
        if (Part is not { } part)
        {
            return new SliceWindow(0, length);
        }

        var offset = Math.Min(part.Offset, length);
        return new SliceWindow(offset, Math.Min(part.Limit, length - offset));
    }

    /// <summary>Items held in the producer's memory; each slice message carries only that slice's items.</summary>
    /// <param name="items">The items. The list must not change while a job runs.</param>
    public static DataSourceFactory<TItem> FromItems(IReadOnlyList<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new(null, items);
    }
}
