extern alias examples;

using System.Diagnostics;
using examples::Pymar.Examples.SquaredSum;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The sum of squares, whose slices run until the broker has closed their worker's channel for holding a delivery
/// longer than its <c>consumer_timeout</c> (the worker logs it), or <see cref="MaxWait"/> at most.
/// </summary>
public sealed class OutlivingSquaredSumProducer(CapturedLogs logs) : Producer<long, Int128>
{
    /// <summary>The line the worker logs when the broker closes its consuming channel.</summary>
    public const string ChannelClosedLine = "RabbitMQ closed the consuming channel";

    /// <summary>How long a slice waits for the channel to close before it answers anyway.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(100);

    private readonly SquaredSumProducer _inner = new();

    public override int DefaultSliceCount => 1;

    public override IEnumerable<Int128> Map(IEnumerable<long> items) => _inner.Map(items);

    public override Int128 Reduce(IEnumerable<Int128> values) => _inner.Reduce(values);

    public override Int128 ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var waited = Stopwatch.StartNew();
        while (!logs.Lines.Any(l => l.Contains(ChannelClosedLine, StringComparison.Ordinal)) && waited.Elapsed < MaxWait)
        {
            slice.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
            slice.CancellationToken.ThrowIfCancellationRequested();
        }

        return base.ComputeSlice(slice);
    }
}
