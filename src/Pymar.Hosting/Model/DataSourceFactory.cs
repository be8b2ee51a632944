namespace Pymar.Hosting;

/// <summary>Creates <see cref="DataSourceFactory{TItem}"/> instances with type inference where it helps.</summary>
public static class DataSourceFactory
{
    /// <summary>Items held in the producer's memory; each slice message carries only that slice's items.</summary>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    /// <param name="items">The items. The list must not change while a job runs.</param>
    public static DataSourceFactory<TItem> FromItems<TItem>(IReadOnlyList<TItem> items) => DataSourceFactory<TItem>.FromItems(items);

    /// <summary>Items read on each worker from a registered data source; only its name and the window travel.</summary>
    /// <typeparam name="TSource">A data source type registered with <c>AddDataSource&lt;TSource&gt;()</c>.</typeparam>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    public static DataSourceFactory<TItem> For<TSource, TItem>()
        where TSource : class, IDataSource<TItem> => DataSourceFactory<TItem>.For<TSource>();
}
