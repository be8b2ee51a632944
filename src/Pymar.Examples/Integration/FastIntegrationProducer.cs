using Pymar.Hosting;

namespace Pymar.Examples.Integration;

/// <summary>
/// The same integral through the fast path: <see cref="ComputeSlice"/> loops over the window directly, with no
/// iterator per item. The answer is the same as <see cref="IntegrationProducer"/>'s.
/// </summary>
public sealed class FastIntegrationProducer : IntegrationProducer
{
    /// <inheritdoc />
    public override double ComputeSlice(SliceContext<double> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        double sum = 0;
        for (var x = slice.Window.Offset; x < slice.Window.End; x++)
        {
            sum += Math.Exp(IntegrationDataSource.Start + (x * IntegrationDataSource.Dx)) * IntegrationDataSource.Dx;
        }

        return sum;
    }
}
