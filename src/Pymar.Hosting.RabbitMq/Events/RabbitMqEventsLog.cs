using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.RabbitMq.Events;

/// <summary>Logging of RabbitMQ's events exchange (event ids 3900–3949, in the RabbitMQ range).</summary>
internal static partial class RabbitMqEventsLog
{
    [LoggerMessage(EventId = 3900, Level = LogLevel.Information, Message = "Cannot subscribe to the events exchange yet ({Fault}); retrying")]
    public static partial void SubscribeFailed(ILogger logger, string fault);
}
