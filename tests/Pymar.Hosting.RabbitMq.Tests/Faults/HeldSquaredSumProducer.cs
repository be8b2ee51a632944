extern alias examples;

using examples::Pymar.Examples.SquaredSum;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The squared-sum example whose slices, after the first <see cref="SliceHold.Free"/>, wait until the test opens the
/// hold: a fault then lands while the job is certainly still running.
/// </summary>
public sealed class HeldSquaredSumProducer(SliceHold hold) : Producer<long, Int128>
{
    private readonly SquaredSumProducer _inner = new();

    public override IEnumerable<Int128> Map(IEnumerable<long> items) => _inner.Map(items);

    public override Int128 Reduce(IEnumerable<Int128> values) => _inner.Reduce(values);

    public override Int128 ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        hold.Wait(slice.CancellationToken);
        return base.ComputeSlice(slice);
    }
}

/// <summary>Lets the first <see cref="Free"/> slices of <see cref="HeldSquaredSumProducer"/> through, and holds the rest until <see cref="Open"/>.</summary>
public sealed class SliceHold
{
    public const int Free = 3;

    private static readonly TimeSpan s_maxWait = TimeSpan.FromSeconds(90);
    private readonly ManualResetEventSlim _open = new(false);
    private int _started;
    private int _held;

    /// <summary>How many slices wait at the hold now.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Open() => _open.Set();

    internal void Wait(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _started) <= Free)
        {
            return;
        }

        Interlocked.Increment(ref _held);
        try
        {
            _open.Wait(s_maxWait, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }
}
