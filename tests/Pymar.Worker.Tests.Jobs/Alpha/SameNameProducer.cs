using Pymar.Hosting;

namespace Pymar.Worker.Tests.Jobs.Alpha;

/// <summary>One of two producers with the same simple name, for the ambiguous-name error.</summary>
public sealed class SameNameProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}
