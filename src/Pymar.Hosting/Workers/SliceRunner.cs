using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Model;
using Pymar.Hosting.Registration;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Runs one slice request of one registered producer on a worker: builds the slice's data source, reads its window,
/// computes the partial value on a compute thread and writes it as JSON. One is made per producer when the pool
/// starts, so the item and value types are known once, not per slice. It keeps its producer's recent computation
/// time: computations of a producer whose recent ones were short run on the thread pool, the others (and all until
/// one has finished) on the pool's dedicated threads (<see cref="ComputeThreads"/>).
/// </summary>
internal abstract class SliceRunner
{
    /// <summary>Makes the runner of <paramref name="registration"/>'s <c>Producer&lt;TItem, TValue&gt;</c>.</summary>
    public static SliceRunner For(ProducerRegistration registration) =>
        (SliceRunner)Activator.CreateInstance(typeof(SliceRunner<,>).MakeGenericType(registration.ItemType, registration.ValueType), registration)!;

    /// <summary>Computes the slice and returns its partial value as JSON.</summary>
    public abstract ValueTask<byte[]> RunAsync(SliceRequest request, IServiceProvider services, PymarRegistry registry, ComputeThreads compute, JobTracker jobs, CancellationToken cancellationToken);
}

/// <summary>The <see cref="SliceRunner"/> of a <see cref="Producer{TItem, TValue}"/>.</summary>
internal sealed class SliceRunner<TItem, TValue>(ProducerRegistration registration) : SliceRunner
{
    private readonly RecentSliceTime _recent = new(ComputeThreads.ShortComputation);

    public override async ValueTask<byte[]> RunAsync(SliceRequest request, IServiceProvider services, PymarRegistry registry, ComputeThreads compute, JobTracker jobs, CancellationToken cancellationToken)
    {
        var producer = (Producer<TItem, TValue>)registration.Resolve(services);
        var source = CreateDataSource(request, services, registry);
        if (request.DataSource is { } name)
        {
            await CheckWindowAsync(request, name, source, jobs, cancellationToken).ConfigureAwait(false);
        }

        var context = await SliceContext<TItem>.ReadAsync(source, request.Window, cancellationToken).ConfigureAwait(false);
        var computation = () => Compute(producer, context);
        var value = await (_recent.IsShort ? compute.RunShortAsync(computation, cancellationToken) : compute.RunAsync(computation, cancellationToken)).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(value, PymarSerializer.Options);
    }

    /// <summary>Computes the partial value and notes how long it took.</summary>
    private TValue Compute(Producer<TItem, TValue> producer, SliceContext<TItem> context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return producer.ComputeSlice(context);
        }
        finally
        {
            _recent.Note(Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// A window beyond the data would read (or compute) items that do not exist, possibly for ever: it is refused
    /// before anything is read, as a message that can never succeed.
    /// </summary>
    private static async ValueTask CheckWindowAsync(SliceRequest request, string name, IDataSource<TItem> source, JobTracker jobs, CancellationToken cancellationToken)
    {
        long length;
        try
        {
            length = await jobs.GetLengthAsync(request.JobId, name, source.GetLengthAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A source that cannot count now (its database is down) is left to fail its read, whose error names the
            // window and goes back to the producer as any slice error, which may retry: not a dead letter.
            return;
        }

        if (request.Window.End > length)
        {
            throw new MalformedMessageException(string.Create(CultureInfo.InvariantCulture,
                $"The slice's window {request.Window} lies beyond data source '{name}', which holds {length} items (window out of range)."));
        }
    }

    /// <summary>Builds the slice's data source: the registered one by name, or the items the message carries.</summary>
    private static IDataSource<TItem> CreateDataSource(SliceRequest request, IServiceProvider services, PymarRegistry registry)
    {
        if (request.DataSource is { } name)
        {
            return DataSourceActivator.Create<TItem>(registry.GetDataSource(name), services);
        }

        TItem[]? items;
        try
        {
            items = request.Items!.Deserialize<TItem[]>();
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
