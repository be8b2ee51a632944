namespace Pymar.Hosting;

/// <summary>Settings of a Pymar host, bound from the <c>Pymar</c> configuration section.</summary>
public sealed class PymarOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pymar";

    /// <summary>The name of the embedded in-process transport.</summary>
    public const string InProcessTransport = "InProcess";

    /// <summary>
    /// The transport that carries slices: <c>InProcess</c>, or the name of a registered transport such as
    /// <c>RabbitMq</c>. When empty, the transport registered last (for example by <c>UseRabbitMq()</c>) is used,
    /// else the in-process one.
    /// </summary>
    public string? Transport { get; set; }

    /// <summary>
    /// Compute every job in the calling process (Pymar's <c>local_mode</c>); key <c>Pymar:ComputeLocally</c>. A call's
    /// <see cref="MapOptions.ComputeLocally"/> overrides it.
    /// </summary>
    public bool ComputeLocally { get; set; }

    /// <summary>
    /// When the transport cannot reach its broker at map time, log a warning and compute the job locally (Pymar's
    /// behaviour) instead of failing with <see cref="TransportUnavailableException"/>; key
    /// <c>Pymar:ComputeLocallyWhenUnreachable</c>. Off by default.
    /// </summary>
    public bool ComputeLocallyWhenUnreachable { get; set; }

    /// <summary>How long a job waits for its partial values when its call does not say; null waits without limit.</summary>
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>
    /// How many slices <see cref="SliceCount.Auto"/> cuts per live worker slot (key <c>Pymar:AutoSliceBalance</c>):
    /// more slices even out slow and fast slots, fewer save per-slice overhead. Defaults to 4.
    /// </summary>
    public int AutoSliceBalance { get; set; } = 4;

    /// <summary>The fewest items <see cref="SliceCount.Auto"/> puts in one slice (key <c>Pymar:AutoSliceMinItems</c>). Defaults to 1.</summary>
    public int AutoSliceMinItems { get; set; } = 1;

    /// <summary>
    /// How many slices <see cref="SliceCount.Auto"/> cuts when no live worker serves the producer (key
    /// <c>Pymar:AutoSliceFallback</c>); the slices wait in the queue for a worker. Defaults to 4.
    /// </summary>
    public int AutoSliceFallback { get; set; } = 4;
}
