namespace Pymar.Hosting;

/// <summary>
/// Says where a job's items come from: a registered data source type that each worker builds for its own window
/// (only the name and the window travel), or items already in the producer's memory (each slice message carries
/// only its own items). Create one with <see cref="For{TSource}"/> or <see cref="FromItems"/>.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public sealed class DataSourceFactory<TItem>
{
    private DataSourceFactory(Type? dataSourceType, IReadOnlyList<TItem>? items)
    {
        DataSourceType = dataSourceType;
        Items = items;
    }

    /// <summary>The registered data source type, or null when the items are in memory.</summary>
    internal Type? DataSourceType { get; }

    /// <summary>The items in the producer's memory, or null when a registered data source reads them.</summary>
    internal IReadOnlyList<TItem>? Items { get; }

    /// <summary>Items read on each worker from a registered data source; only its name and the window travel.</summary>
    /// <typeparam name="TSource">A data source type registered with <c>AddDataSource&lt;TSource&gt;()</c>.</typeparam>
    public static DataSourceFactory<TItem> For<TSource>()
        where TSource : class, IDataSource<TItem> => new(typeof(TSource), null);

    /// <summary>Items held in the producer's memory; each slice message carries only that slice's items.</summary>
    /// <param name="items">The items. The list must not change while a job runs.</param>
    public static DataSourceFactory<TItem> FromItems(IReadOnlyList<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new(null, items);
    }
}
