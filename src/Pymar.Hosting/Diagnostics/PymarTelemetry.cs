using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pymar.Hosting.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> of Pymar.Hosting, both named <c>Pymar.Hosting</c>:
/// a span per job on the producer and per slice on the worker (in its job's trace), counters of slices
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

    /// <summary>Starts the producer's span of a job, a child of the caller's current span.</summary>
    /// <param name="producer">The registered producer name.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="slices">How many slices the job has.</param>
    /// <param name="system">The transport's messaging system.</param>
    /// <param name="queue">The producer's work queue.</param>
    internal static Activity? StartJob(string producer, string jobId, int slices, string system, string queue)
    {
        var activity = ActivitySource.StartActivity("pymar.job", ActivityKind.Producer);
        activity?.SetTag(TelemetryTags.MessagingSystem, system)
            .SetTag(TelemetryTags.DestinationName, queue)
            .SetTag(TelemetryTags.OperationType, TelemetryTags.Send)
            .SetTag(TelemetryTags.Producer, producer)
            .SetTag(TelemetryTags.JobId, jobId)
            .SetTag(TelemetryTags.JobSlices, slices);
        return activity;
    }

    /// <summary>
    /// Starts a worker's span of a slice, a child of the context its message's headers carry (the publish span of
    /// the transport's client when it traces, else the job's span), holding the baggage they carry.
    /// </summary>
    /// <param name="producer">The registered producer name.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="sliceIndex">The slice's index.</param>
    /// <param name="attempt">The request's attempt (1 for the first).</param>
    /// <param name="system">The transport's messaging system.</param>
    /// <param name="queue">The queue the slice came from.</param>
    /// <param name="headers">The message's propagation headers, if any.</param>
    internal static Activity? StartSlice(string producer, string jobId, int sliceIndex, int attempt, string system, string queue, IReadOnlyDictionary<string, string>? headers)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var (parent, baggage) = TracePropagation.Extract(headers);
        var activity = ActivitySource.StartActivity("pymar.slice", ActivityKind.Consumer, parent);
        if (activity is null)
        {
            return null;
        }

        if (baggage is not null)
        {
            // Baggage is prepended as it is added: add in reverse to keep the sender's order.
            foreach (var item in baggage.Reverse())
            {
                activity.AddBaggage(item.Key, item.Value);
            }
        }

        activity.SetTag(TelemetryTags.MessagingSystem, system)
            .SetTag(TelemetryTags.DestinationName, queue)
            .SetTag(TelemetryTags.OperationType, TelemetryTags.Process)
            .SetTag(TelemetryTags.ConversationId, Messaging.Correlation.Create(jobId, sliceIndex))
            .SetTag(TelemetryTags.Producer, producer)
            .SetTag(TelemetryTags.JobId, jobId)
            .SetTag(TelemetryTags.SliceIndex, sliceIndex)
            .SetTag(TelemetryTags.SliceAttempt, attempt);
        return activity;
    }
}
