using Pymar.Hosting;

namespace Pymar.Examples.Integration;

/// <summary>The keyed README's producer: elements are (key, value) pairs; the reduce returns (0, sum).</summary>
public sealed class KeyedIntegrationProducer : Producer<(long Key, double Value), (long Key, double Value)>
{
    /// <inheritdoc />
    public override IEnumerable<(long Key, double Value)> Map(IEnumerable<(long Key, double Value)> items)
    {
        foreach (var (key, value) in items)
        {
            yield return (key, Math.Exp(value) * IntegrationDataSource.Dx);
        }
    }

    /// <inheritdoc />
    public override (long Key, double Value) Reduce(IEnumerable<(long Key, double Value)> values) => (0, values.Sum(v => v.Value));
}
