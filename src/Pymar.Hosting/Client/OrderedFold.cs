namespace Pymar.Hosting.Client;

/// <summary>
/// Folds a job's partial values in slice order, as Pymar's <c>reduce_fn</c> sees them, while they stream in: the
/// contiguous prefix is folded as soon as it is complete, and only partials that arrive ahead of a missing slice
/// are held until the gap closes. A slice given twice counts once; a failed slice is skipped in its place.
/// </summary>
/// <remarks>
/// With <paramref name="arrivalOrder"/> (the benchmark's measure of what ordering costs, never Pymar's semantics) each
/// partial is folded as it arrives, whatever its slice.
/// </remarks>
/// <typeparam name="TValue">The type of the partial values.</typeparam>
internal sealed class OrderedFold<TValue>(Func<IEnumerable<TValue>, TValue> reduce, int slices, bool arrivalOrder = false)
{
    private readonly Dictionary<int, (bool HasValue, TValue Value)> _ahead = [];
    private readonly bool[]? _seen = arrivalOrder ? new bool[slices] : null;
    private TValue _value = default!;
    private int _next;

    /// <summary>The fold of every partial given so far in the contiguous prefix.</summary>
    public TValue Value => _value;

    /// <summary>True once at least one partial value was folded.</summary>
    public bool HasValue { get; private set; }

    /// <summary>How many partials wait for an earlier slice.</summary>
    public int Held => _ahead.Count;

    /// <summary>True when every slice was folded or skipped.</summary>
    public bool IsComplete => _next == slices;

    /// <summary>Folds the partial value of slice <paramref name="index"/> in its place; false when it was given before.</summary>
    public bool Add(int index, TValue partial) => Place(index, (true, partial));

    /// <summary>Marks slice <paramref name="index"/> as failed: the fold goes on without it.</summary>
    public bool Skip(int index) => Place(index, (false, default!));

    private bool Place(int index, (bool HasValue, TValue Value) partial)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, slices);
        if (_seen is not null)
        {
            if (_seen[index])
            {
                return false;
            }

            _seen[index] = true;
            Fold(partial);
            _next++;
            return true;
        }

        if (index < _next || !_ahead.TryAdd(index, partial))
        {
            return false;
        }

        while (_ahead.Remove(_next, out var next))
        {
            Fold(next);
            _next++;
        }

        return true;
    }

    private void Fold((bool HasValue, TValue Value) partial)
    {
        if (partial.HasValue)
        {
            if (HasValue)
            {
                // An array, not a collection expression's read-only wrapper: reduce's LINQ then reads it as a span,
                // without an enumerator. A new one each time, since reduce may keep what it was given.
                TValue[] pair = [_value, partial.Value];
                _value = reduce(pair);
            }
            else
            {
                _value = partial.Value;
            }

            HasValue = true;
        }
    }
}
