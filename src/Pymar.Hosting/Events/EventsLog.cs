using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Events;

/// <summary>Logging of the events area (event ids 4000–4099).</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Sending {Count} events (the first of kind {Kind}) failed; they were dropped")]
    public static partial void SendFailed(ILogger logger, int count, string kind, Exception exception);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "The worker heartbeat could not be read")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);
}
