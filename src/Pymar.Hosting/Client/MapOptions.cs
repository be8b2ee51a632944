namespace Pymar.Hosting;

/// <summary>Per-call settings of <see cref="ProducerClient.MapAsync{TItem, TValue}"/>.</summary>
public sealed class MapOptions
{
    /// <summary>The settings used when a call passes none.</summary>
    public static MapOptions Default { get; } = new();

    /// <summary>
    /// How many slices to cut the job into: a number (<c>SliceCount = 8</c>) or <see cref="Pymar.Hosting.SliceCount.Auto"/>,
    /// which sizes the job to the live worker slots; null uses the producer's <see cref="Producer.DefaultSliceCount"/>.
    /// </summary>
    public SliceCount? SliceCount { get; init; }

    /// <summary>How long to wait for all partial values (positive); null uses <see cref="PymarOptions.DefaultTimeout"/> (none by default).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>What to do when <see cref="Timeout"/> runs out, or the broker cannot be reached: fail (the default) or compute the job locally.</summary>
    public TimeoutBehavior OnTimeout { get; init; } = TimeoutBehavior.Fail;

    /// <summary>Compute the whole job in this process (Pymar's <c>local_mode</c>); null uses <see cref="PymarOptions.ComputeLocally"/>.</summary>
    public bool? ComputeLocally { get; init; }

    /// <summary>
    /// How many times a failed slice is tried again before the job fails; null uses the producer's
    /// <see cref="Producer.DefaultRetryCount"/> (0 unless it says otherwise).
    /// </summary>
    public int? RetryCount { get; init; }

    /// <summary>The typical wait before the first retry of a slice; it grows exponentially, with jitter, for each further retry (at most 30 s). Defaults to 200 ms.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Publish a copy of a straggling slice (the first answer counts, the other is dropped as a duplicate): when
    /// no slice has been answered for <see cref="StragglerMultiple"/> times the median time to answer a slice of
    /// this job (and at least <see cref="StragglerFloor"/>), each slice unanswered for that long is published once
    /// more. It needs one answered slice to start. On by default; false turns it off for this call.
    /// </summary>
    public bool SpeculateStragglers { get; init; } = true;

    /// <summary>The multiple of the job's median time to answer a slice after which a slice counts as straggling. Defaults to 4.</summary>
    public double StragglerMultiple { get; init; } = 4;

    /// <summary>The least time without an answer before a slice counts as straggling. Defaults to 5 seconds.</summary>
    public TimeSpan StragglerFloor { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a job waits for a lost connection to its broker to come back while it publishes slices (the first
    /// publishes, copies and retries); the slices whose publish was not confirmed are then published again. When the
    /// broker stays unreachable longer, the job fails with <see cref="TransportUnavailableException"/>. The job's
    /// <see cref="Timeout"/> bounds the wait too. Defaults to 60 seconds.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives the count of answered slices each time one arrives.</summary>
    public IProgress<MapProgress>? Progress { get; init; }

    /// <summary>
    /// Not Pymar's semantics, for the benchmark only: fold the partial values in the order they arrive instead of
    /// slice order, to measure what the ordered fold costs.
    /// </summary>
    internal bool FoldInArrivalOrder { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of its range.</summary>
    /// <param name="paramName">The parameter these options came in (named in the exception).</param>
    internal void ThrowIfInvalid(string paramName)
    {
        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"MapOptions.Timeout must be positive, or null for none (it is {timeout}).", paramName);
        }

        if (!Enum.IsDefined(OnTimeout))
        {
            throw new ArgumentException($"MapOptions.OnTimeout must be Fail or ComputeLocally (it is {(int)OnTimeout}).", paramName);
        }

        if (RetryCount is < 0)
        {
            throw new ArgumentException($"MapOptions.RetryCount must be 0 or more (it is {RetryCount}).", paramName);
        }

        if (RetryBackoff < TimeSpan.Zero)
        {
            throw new ArgumentException($"MapOptions.RetryBackoff must not be negative (it is {RetryBackoff}).", paramName);
        }

        if (!double.IsFinite(StragglerMultiple) || StragglerMultiple < 1)
        {
            throw new ArgumentException($"MapOptions.StragglerMultiple must be a number of at least 1 (it is {StragglerMultiple}).", paramName);
        }

        if (StragglerFloor < TimeSpan.Zero)
        {
            throw new ArgumentException($"MapOptions.StragglerFloor must not be negative (it is {StragglerFloor}).", paramName);
        }

        if (ReconnectTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException($"MapOptions.ReconnectTimeout must not be negative (it is {ReconnectTimeout}).", paramName);
        }
    }
}
