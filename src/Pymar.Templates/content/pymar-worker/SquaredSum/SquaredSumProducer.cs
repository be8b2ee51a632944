using Pymar.Hosting;

namespace PymarWorkerApp.SquaredSum;

/// <summary>The sum of the squares of its items. Workers and producers find it by its name, SquaredSumProducer.</summary>
public sealed class SquaredSumProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items.Select(x => x * x);

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}
