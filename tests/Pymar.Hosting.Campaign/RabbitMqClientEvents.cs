using System.Diagnostics.Tracing;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// Writes RabbitMQ.Client's own warnings and errors (its <c>rabbitmq-client</c> event source: failed recoveries,
/// topology recovery exceptions) into the producer's log, where a campaign's failure is read.
/// </summary>
internal sealed class RabbitMqClientEvents(ILogger logger) : EventListener
{
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "rabbitmq-client")
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventSource.Name != "rabbitmq-client" || eventData.Level > EventLevel.Warning)
        {
            return;
        }

        var payload = eventData.Payload is null ? "" : string.Join(" | ", eventData.Payload.Select(p => p?.ToString()?.ReplaceLineEndings(" ")));
        logger.LogWarning("RabbitMQ.Client {Level} {Event}: {Payload}", eventData.Level, eventData.EventName, payload);
    }
}
