namespace Pymar.Hosting.Events;

/// <summary>Events about the work (for the dashboard and timelines), bound from <c>Pymar:Events</c>.</summary>
public sealed class PymarEventsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pymar:Events";

    /// <summary>Publish events. Defaults to true; false makes every publish a no-op.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many events may wait to be sent; past that they are dropped and counted. Defaults to 4096.</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>How often a worker sends its heartbeat. Defaults to 2 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);
}
