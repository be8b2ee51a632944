using Pymar.Hosting;

namespace Pymar.Examples.Integration;

/// <summary>The Python original's integration producer: maps each x to exp(x)·dx and sums.</summary>
public class IntegrationProducer : Producer<double, double>
{
    /// <inheritdoc />
    public override int DefaultSliceCount => 4;

    /// <inheritdoc />
    public override IEnumerable<double> Map(IEnumerable<double> items) => items.Select(x => Math.Exp(x) * IntegrationDataSource.Dx);

    /// <inheritdoc />
    public override double Reduce(IEnumerable<double> values) => values.Sum();
}
