using Pymar.Examples.SquaredSum;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>The squared-sum example with every slice taking at least 100 ms, so a fault can land in the middle of a job.</summary>
public sealed class SlowSquaredSumProducer : Producer<long, Int128>
{
    private readonly SquaredSumProducer _inner = new();

    public override IEnumerable<Int128> Map(IEnumerable<long> items) => _inner.Map(items);

    public override Int128 Reduce(IEnumerable<Int128> values) => _inner.Reduce(values);

    public override Int128 ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        slice.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
        slice.CancellationToken.ThrowIfCancellationRequested();
        return base.ComputeSlice(slice);
    }
}
