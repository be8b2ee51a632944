namespace Pymar.Hosting.Events;

/// <summary>This process as the origin of its events: its host, its process id, and the worker id made of the two.</summary>
internal static class EventOrigin
{
    public static string Host { get; } = Environment.MachineName;

    public static int ProcessId { get; } = Environment.ProcessId;

    public static string Worker { get; } = $"{Host}/{ProcessId}";
}
