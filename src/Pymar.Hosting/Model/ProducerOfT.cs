using System.Text.Json;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting;

/// <summary>
/// A calculation that Pymar cuts into slices: each worker computes <c>Reduce(Map(items of its slice))</c>, and the
/// producer folds the partial values with the same <see cref="Reduce"/>.
/// </summary>
/// <typeparam name="TItem">The type of the data source's items.</typeparam>
/// <typeparam name="TValue">The type of the mapped values and of the answer. It must round-trip through System.Text.Json.</typeparam>
/// <remarks>
/// <see cref="Reduce"/> must be associative and must accept its own output, because partial values are folded in
/// the order they arrive. For hot loops over millions of items, override <see cref="ComputeSlice"/> (the fast path)
/// and loop over <see cref="SliceContext{TItem}.Window"/> directly instead of through iterators.
/// </remarks>
public abstract class Producer<TItem, TValue> : Producer
{
    /// <summary>Maps one slice's items to values (Pymar's <c>map_fn</c>).</summary>
    /// <param name="items">The items of one slice.</param>
    public abstract IEnumerable<TValue> Map(IEnumerable<TItem> items);

    /// <summary>Folds values into one value of the same type (Pymar's <c>reduce_fn</c>).</summary>
    /// <param name="values">Mapped values, or partial values of slices.</param>
    public abstract TValue Reduce(IEnumerable<TValue> values);

    /// <summary>
    /// Computes one slice's partial value. The default is <c>Reduce(Map(slice.Items))</c>; override it as a fast
    /// path when per-item iterator overhead matters.
    /// </summary>
    /// <param name="slice">The slice: its window, its data source and its items.</param>
    public virtual TValue ComputeSlice(SliceContext<TItem> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return Reduce(Map(slice.Items));
    }

    /// <summary>Builds the context of one slice, reading an asynchronous source's items into memory first.</summary>
    internal static async ValueTask<SliceContext<TItem>> CreateContextAsync(IDataSource<TItem> source, SliceWindow window, CancellationToken cancellationToken)
    {
        IEnumerable<TItem> items;
        if (source is DataSource<TItem> synchronous)
        {
            items = synchronous.Read(window);
        }
        else
        {
            var buffer = new List<TItem>((int)Math.Min(window.Limit, 1 << 20));
            await foreach (var item in source.ReadAsync(window, cancellationToken).ConfigureAwait(false))
            {
                buffer.Add(item);
            }

            items = buffer;
        }

        return new SliceContext<TItem>(source, window, items, cancellationToken);
    }

    /// <summary>Folds a new partial value into the accumulated one.</summary>
    internal TValue Fold(TValue accumulated, TValue partial) => Reduce([accumulated, partial]);

    internal override async ValueTask<byte[]> ExecuteSliceAsync(SliceExecution execution, CancellationToken cancellationToken)
    {
        var source = execution.CreateDataSource<TItem>();
        var context = await CreateContextAsync(source, execution.Window, cancellationToken).ConfigureAwait(false);
        var value = await execution.Compute.RunAsync(() => ComputeSlice(context), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(value, execution.SerializerOptions);
    }
}
