namespace Pymar.Hosting.Workers;

/// <summary>The worker pool's settings, bound from the <c>Pymar:Worker</c> configuration section.</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pymar:Worker";

    /// <summary>
    /// How many slices run at once on this host: a number of slots (<c>4</c>), or a range (<c>"2..8"</c>) within which
    /// the pool starts at the minimum, grows one slot at a time (at most one a second) while slices wait for it and the
    /// process's CPU is not saturated, and shrinks back after <see cref="ScaleDownAfter"/> without waiting slices.
    /// From 1 to 1024. Defaults to the processor count (fixed).
    /// </summary>
    public WorkerConcurrency Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// When <see cref="Concurrency"/> is a range: how long no slice may wait for a slot before the pool gives back the
    /// slots it grew (down to the busy ones, never below the minimum). Running slices finish; their slots are released,
    /// not cancelled. Defaults to 30 seconds.
    /// </summary>
    public TimeSpan ScaleDownAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The registered producer names this host serves; empty means every registered producer.</summary>
    public IList<string> Producers { get; } = [];

    /// <summary>Purge the served producers' queues when the pool starts (Pymar's <c>-r</c>), dropping waiting slices.</summary>
    public bool PurgeOnStart { get; set; }

    /// <summary>
    /// How many times a slice may be delivered before it counts as poison: when every worker that takes it stops
    /// (crashes, is killed) before answering, the slice is dead-lettered after this many deliveries and its job
    /// fails naming it. Defaults to 5.
    /// </summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>
    /// The longest any slice may run on this worker, whatever its job's timeout (<c>Pymar:Worker:MaxSliceDuration</c>,
    /// for example <c>"00:10:00"</c>). A slice still running then is cancelled through its
    /// <see cref="SliceContext{TItem}.CancellationToken"/>, answered as failed and dead-lettered. Off (null) by default:
    /// a slice is then bounded only by its job's timeout.
    /// </summary>
    public TimeSpan? MaxSliceDuration { get; set; }

    /// <summary>
    /// How long a cancelled slice may take to notice its token before its slot is counted as lost. Not bound from
    /// configuration; tests shorten it.
    /// </summary>
    internal TimeSpan CancellationGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An id for this worker in replies and log lines. Defaults to host name and process id.</summary>
    public string? WorkerId { get; set; }
}
