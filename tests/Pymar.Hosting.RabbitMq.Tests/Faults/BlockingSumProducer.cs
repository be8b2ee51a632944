namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>Sums its numbers, but each slice first waits for its cancellation (at most <see cref="MaxWait"/>).</summary>
public sealed class BlockingSumProducer(SliceGate gate) : Producer<long, long>
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();

    public override long ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        gate.Start();
        if (slice.CancellationToken.WaitHandle.WaitOne(MaxWait))
        {
            gate.Cancel();
            slice.CancellationToken.ThrowIfCancellationRequested();
        }

        return base.ComputeSlice(slice);
    }
}
