using System.Diagnostics;

namespace Pymar.Hosting.TestWorker;

/// <summary>
/// Sums numbers, but each slice first waits <see cref="TestSettings.SliceDuration"/> in short steps (giving up as soon
/// as <see cref="SliceContext{TItem}.CancellationToken"/> fires), so that tests can catch a worker inside a slice.
/// Not sealed: <see cref="SecondSlowSumProducer"/> and <see cref="ThirdSlowSumProducer"/> are the same producer under
/// other names, so other work queues, for the tests of workers serving several producers at once.
/// </summary>
public class SlowSumProducer : Producer<long, long>
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(20);
    private readonly TimeSpan _sliceDuration;

    public SlowSumProducer(TestSettings settings)
        : this(settings?.SliceDuration ?? throw new ArgumentNullException(nameof(settings)))
    {
    }

    /// <summary>The same producer with slices of <paramref name="sliceDuration"/>.</summary>
    protected SlowSumProducer(TimeSpan sliceDuration) => _sliceDuration = sliceDuration;

    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();

    public override long ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) is var elapsed && elapsed < _sliceDuration)
        {
            var step = _sliceDuration - elapsed;
            slice.CancellationToken.WaitHandle.WaitOne(step < s_step ? step : s_step);
            slice.CancellationToken.ThrowIfCancellationRequested();
        }

        return base.ComputeSlice(slice);
    }

    /// <summary>The answer for the numbers 1 .. <paramref name="count"/>.</summary>
    public static long Expected(long count) => count * (count + 1) / 2;
}
