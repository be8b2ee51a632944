using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pymar.Hosting.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> of Pymar.Hosting, both named <c>Pymar.Hosting</c>:
/// a span per job on the producer and per slice on the worker (linked to its job's span), counters of slices
/// published, completed, failed and redelivered, and a histogram of slice duration. Subscribe with OpenTelemetry's
/// <c>AddSource("Pymar.Hosting")</c> and <c>AddMeter("Pymar.Hosting")</c>.
/// </summary>
public static class PymarTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Pymar.Hosting";

    private static readonly string? s_version = typeof(PymarTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>Spans: <c>pymar.job</c> on the producer, <c>pymar.slice</c> on the worker.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, s_version);

    /// <summary>The meter of the counters and the histogram.</summary>
    public static Meter Meter { get; } = new(Name, s_version);

    internal static Counter<long> SlicesPublished { get; } = Meter.CreateCounter<long>("pymar.slices.published", "{slice}", "Slice messages published by producers.");

    internal static Counter<long> SlicesCompleted { get; } = Meter.CreateCounter<long>("pymar.slices.completed", "{slice}", "Slices a worker computed and answered.");

    internal static Counter<long> SlicesFailed { get; } = Meter.CreateCounter<long>("pymar.slices.failed", "{slice}", "Slices a worker answered with an error or dead-lettered.");

    internal static Counter<long> SlicesLost { get; } = Meter.CreateCounter<long>("pymar.slices.lost", "{slice}", "Slices that ignored their cancellation, each holding a worker slot until it returns.");

    internal static Counter<long> SlicesRedelivered { get; } = Meter.CreateCounter<long>("pymar.slices.redelivered", "{slice}", "Slices a worker received that had been delivered before.");

    internal static Counter<long> SlicesSpeculated { get; } = Meter.CreateCounter<long>("pymar.slices.speculated", "{slice}", "Copies of straggling slices published by producers.");

    internal static Counter<long> SpeculationsWon { get; } = Meter.CreateCounter<long>("pymar.slices.speculation_won", "{slice}", "Straggling slices whose copy answered first.");

    internal static Histogram<double> SliceDuration { get; } = Meter.CreateHistogram<double>("pymar.slice.duration", "ms", "How long a worker took to compute a slice.");

    /// <summary>Starts the producer's span of a job.</summary>
    internal static Activity? StartJob(string producer, string jobId, int slices)
    {
        var activity = ActivitySource.StartActivity("pymar.job", ActivityKind.Producer);
        activity?.SetTag("pymar.producer", producer).SetTag("pymar.job.id", jobId).SetTag("pymar.job.slices", slices);
        return activity;
    }

    /// <summary>Starts a worker's span of a slice, as a child of its job's span when the message carried one.</summary>
    internal static Activity? StartSlice(string producer, string jobId, int sliceIndex, string? parent)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(parent, traceState: null, isRemote: true, out var parentContext);
        var activity = ActivitySource.StartActivity("pymar.slice", ActivityKind.Consumer, parentContext);
        activity?.SetTag("pymar.producer", producer).SetTag("pymar.job.id", jobId).SetTag("pymar.slice.index", sliceIndex);
        return activity;
    }
}
