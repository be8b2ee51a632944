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
}
