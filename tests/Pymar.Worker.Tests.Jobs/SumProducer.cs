using Pymar.Hosting;

namespace Pymar.Worker.Tests.Jobs;

/// <summary>Sums its items.</summary>
public sealed class SumProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}
