namespace Pymar.Hosting;

/// <summary>
/// A calculation that Pymar cuts into slices: each worker computes <c>Reduce(Map(items of its slice))</c>, and the
/// producer folds the partial values with the same <see cref="Reduce"/>.
/// </summary>
/// <typeparam name="TItem">The type of the data source's items.</typeparam>
/// <typeparam name="TValue">The type of the mapped values and of the answer. It must round-trip through System.Text.Json.</typeparam>
/// <remarks>
/// As in Pymar, <see cref="Reduce"/> must be associative and must accept its own output; it need not be
/// commutative, because a slice sees its items in window order and the producer folds the partial values in slice
/// order. For hot loops over millions of items, override <see cref="ComputeSlice"/> (the fast path)
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
}
