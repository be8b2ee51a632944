using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Registration;

namespace Pymar.Hosting;

/// <summary>
/// Says where a job's items come from: a registered data source type that each worker builds for its own window
/// (only the name and the window travel), or items already in the producer's memory (each slice message carries
/// only its own items). Create one with <see cref="For{TSource}"/> or <see cref="FromItems"/>.
/// </summary>
/// <typeparam name="TItem">The type of the items.</typeparam>
public abstract class DataSourceFactory<TItem>
{
    private protected DataSourceFactory()
    {
    }

    /// <summary>Items read on each worker from a registered data source; only its name and the window travel.</summary>
    /// <typeparam name="TSource">A data source type registered with <c>AddDataSource&lt;TSource&gt;()</c>.</typeparam>
    public static DataSourceFactory<TItem> For<TSource>()
        where TSource : class, IDataSource<TItem> => new RegisteredDataSourceFactory<TItem>(typeof(TSource));

    /// <summary>Items held in the producer's memory; each slice message carries only that slice's items.</summary>
    /// <param name="items">The items. The list must not change while a job runs.</param>
    public static DataSourceFactory<TItem> FromItems(IReadOnlyList<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new InMemoryDataSourceFactory<TItem>(items);
    }

    /// <summary>The registered data source name that slice messages carry, or null when they carry items.</summary>
    internal abstract string? GetDataSourceName(PymarRegistry registry);

    /// <summary>Writes the items of <paramref name="window"/> into a slice message, or returns null when none travel.</summary>
    internal abstract Action<Utf8JsonWriter>? GetItemsWriter(SliceWindow window, JsonSerializerOptions serializerOptions);

    /// <summary>Builds the data source in the producer's process and passes it to <paramref name="use"/>.</summary>
    internal abstract ValueTask<TResult> UseLocalAsync<TResult>(
        IServiceProvider services,
        PymarRegistry registry,
        Func<IDataSource<TItem>, ValueTask<TResult>> use);
}

/// <summary>A factory for a registered data source type.</summary>
internal sealed class RegisteredDataSourceFactory<TItem>(Type dataSourceType) : DataSourceFactory<TItem>
{
    internal override string? GetDataSourceName(PymarRegistry registry) => registry.GetDataSource(dataSourceType).Name;

    internal override Action<Utf8JsonWriter>? GetItemsWriter(SliceWindow window, JsonSerializerOptions serializerOptions) => null;

    internal override async ValueTask<TResult> UseLocalAsync<TResult>(
        IServiceProvider services,
        PymarRegistry registry,
        Func<IDataSource<TItem>, ValueTask<TResult>> use)
    {
        var registration = registry.GetDataSource(dataSourceType);
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var source = DataSourceActivator.Create<TItem>(registration, scope.ServiceProvider);
            return await use(source).ConfigureAwait(false);
        }
    }
}

/// <summary>A factory for items in the producer's memory.</summary>
internal sealed class InMemoryDataSourceFactory<TItem>(IReadOnlyList<TItem> items) : DataSourceFactory<TItem>
{
    internal override string? GetDataSourceName(PymarRegistry registry) => null;

    internal override Action<Utf8JsonWriter>? GetItemsWriter(SliceWindow window, JsonSerializerOptions serializerOptions) =>
        writer =>
        {
            writer.WriteStartArray();
            for (var i = (int)window.Offset; i < window.End; i++)
            {
                JsonSerializer.Serialize(writer, items[i], serializerOptions);
            }

            writer.WriteEndArray();
        };

    internal override ValueTask<TResult> UseLocalAsync<TResult>(
        IServiceProvider services,
        PymarRegistry registry,
        Func<IDataSource<TItem>, ValueTask<TResult>> use) => use(new ItemsDataSource<TItem>(items, 0));
}
