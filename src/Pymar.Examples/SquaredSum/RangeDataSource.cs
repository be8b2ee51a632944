using Pymar.Hosting;

namespace Pymar.Examples.SquaredSum;

/// <summary>The numbers 0 .. 10^7 − 1, made on the workers.</summary>
public sealed class RangeDataSource : DataSource<long>
{
    /// <summary>How many numbers.</summary>
    public const long Count = 10_000_000;

    /// <inheritdoc />
    public override long GetLength() => Count;

    /// <inheritdoc />
    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return x;
        }
    }
}
