namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>Sums its numbers; a slice throws (in the worker) when <see cref="SliceFaults"/> says so.</summary>
public sealed class FlakySumProducer(SliceFaults faults) : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();

    public override long ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        faults.Attempt(slice.Window);
        return base.ComputeSlice(slice);
    }
}
