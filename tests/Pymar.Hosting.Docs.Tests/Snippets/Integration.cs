using Pymar.Hosting;

namespace Pymar.Hosting.Docs.Tests.Snippets;

// README.md, docs/getting-started.md: what you write.
public sealed class IntegrationDataSource : DataSource<double>
{
    public const double Start = 1, End = 10, Dx = 0.000001;

    public override long GetLength() => (long)((End - Start) / Dx);

    public override IEnumerable<double> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
            yield return Start + x * Dx;
    }
}

public class IntegrationProducer : Producer<double, double>
{
    public override IEnumerable<double> Map(IEnumerable<double> items) => items.Select(x => Math.Exp(x) * IntegrationDataSource.Dx);
    public override double Reduce(IEnumerable<double> values) => values.Sum();
}

// docs/concepts.md: the fast path.
public sealed class FastIntegrationProducer : IntegrationProducer
{
    public override double ComputeSlice(SliceContext<double> slice)
    {
        double sum = 0;
        for (var x = slice.Window.Offset; x < slice.Window.End; x++)
            sum += Math.Exp(IntegrationDataSource.Start + x * IntegrationDataSource.Dx) * IntegrationDataSource.Dx;
        return sum;
    }
}
