namespace Pymar.Hosting;

/// <summary>
/// A contiguous window <c>[Offset, Offset + Limit)</c> of a data source: the only description of a slice's data
/// that travels to a worker when the data source is registered.
/// </summary>
/// <param name="Offset">Index of the first item of the window.</param>
/// <param name="Limit">Number of items in the window.</param>
public readonly record struct SliceWindow(long Offset, long Limit)
{
    /// <summary>Index one past the last item of the window.</summary>
    public long End => Offset + Limit;

    /// <inheritdoc />
    public override string ToString() => $"[{Offset}, {End})";
}
