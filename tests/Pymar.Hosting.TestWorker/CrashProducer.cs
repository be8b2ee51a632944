namespace Pymar.Hosting.TestWorker;

/// <summary>
/// Sums in-memory numbers, but a slice that holds 666 kills its worker process outright
/// (<see cref="Environment.FailFast(string)"/>), as a poison slice in user code would.
/// </summary>
public sealed class CrashProducer : Producer<long, long>
{
    /// <summary>The number that kills the worker.</summary>
    public const long Poison = 666;

    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();

    public override long ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        if (slice.Items.Contains(Poison))
        {
            Environment.FailFast("CrashProducer met the poison number.");
        }

        return base.ComputeSlice(slice);
    }
}
