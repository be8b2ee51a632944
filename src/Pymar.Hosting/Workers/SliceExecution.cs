using System.Text.Json;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Registration;

namespace Pymar.Hosting.Workers;

/// <summary>Everything a producer needs to run one slice request on a worker.</summary>
internal sealed class SliceExecution(
    SliceRequest request,
    IServiceProvider services,
    PymarRegistry registry,
    JsonSerializerOptions serializerOptions,
    ComputeThreads compute)
{
    public SliceWindow Window => request.Window;

    public JsonSerializerOptions SerializerOptions => serializerOptions;

    public ComputeThreads Compute => compute;

    /// <summary>Builds the slice's data source: the registered one by name, or the items the message carries.</summary>
    public IDataSource<TItem> CreateDataSource<TItem>()
    {
        if (request.DataSource is { } name)
        {
            return DataSourceActivator.Create<TItem>(registry.GetDataSource(name), services);
        }

        TItem[]? items;
        try
        {
            items = request.Items!.Value.Deserialize<TItem[]>(serializerOptions);
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The slice's items cannot be read as {typeof(TItem).Name}[]: {ex.Message}", ex);
        }

        if (items is null || items.LongLength != request.Limit)
        {
            throw new MalformedMessageException($"The slice carries {items?.LongLength ?? 0} items but its window {request.Window} holds {request.Limit}.");
        }

        return new ItemsDataSource<TItem>(items, request.Offset);
    }
}
