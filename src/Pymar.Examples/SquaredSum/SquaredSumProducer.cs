using Pymar.Hosting;

namespace Pymar.Examples.SquaredSum;

/// <summary>Sum of squares, exact: the squares are added as 128-bit integers (the answer exceeds 64 bits).</summary>
public sealed class SquaredSumProducer : Producer<long, Int128>
{
    /// <inheritdoc />
    public override IEnumerable<Int128> Map(IEnumerable<long> items) => items.Select(x => (Int128)x * x);

    /// <inheritdoc />
    public override Int128 Reduce(IEnumerable<Int128> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Int128 sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }
}
