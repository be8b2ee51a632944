using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.RabbitMq;

/// <summary>The log lines of worker presence, with stable event ids.</summary>
internal static partial class PresenceLog
{
    [LoggerMessage(3030, LogLevel.Debug, "Announcing worker {WorkerId} ({Slots} slot(s) for {Producers}) on {Exchange} every {Interval}")]
    public static partial void Announcing(ILogger logger, string workerId, int slots, string producers, string exchange, TimeSpan interval);

    [LoggerMessage(3031, LogLevel.Debug, "Could not announce worker {WorkerId}: {Reason}; trying again at the next interval")]
    public static partial void AnnounceFailed(ILogger logger, string workerId, string reason);

    [LoggerMessage(3032, LogLevel.Debug, "Worker {WorkerId} is live with {Slots} slot(s) for {Producers}")]
    public static partial void WorkerJoined(ILogger logger, string workerId, int slots, string producers);

    [LoggerMessage(3033, LogLevel.Debug, "Worker {WorkerId} is no longer counted: {Reason}")]
    public static partial void WorkerLeft(ILogger logger, string workerId, string reason);

    [LoggerMessage(3034, LogLevel.Warning, "Ignored a presence message: {Reason}")]
    public static partial void Ignored(ILogger logger, string reason);
}
