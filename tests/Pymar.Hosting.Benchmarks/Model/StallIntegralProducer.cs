using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Model;

/// <summary>
/// The stragglers scenario's producer: the compute scenario's fast path, and a <c>started OFFSET</c> line on the
/// worker's stdout as each slice begins, so the harness can stop a worker while it is inside a slice.
/// </summary>
internal sealed class StallIntegralProducer(IntegralSpec spec) : IntegralProducer(spec)
{
    public override double ComputeSlice(SliceContext<double> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {slice.Window.Offset}"));
        Console.Out.Flush();
        return FastIntegral.Sum(slice.Window, Dx);
    }
}
