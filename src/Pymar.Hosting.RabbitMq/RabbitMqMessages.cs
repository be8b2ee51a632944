using System.Diagnostics;
using System.Text;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq;

/// <summary>The AMQP properties of each kind of message this transport publishes.</summary>
internal static class RabbitMqMessages
{
    /// <summary>The header that carries why a slice was dead-lettered.</summary>
    public const string DeadLetterReasonHeader = "x-pymar-reason";

    /// <summary>The header that names the work queue a dead-lettered slice came from.</summary>
    public const string DeadLetterQueueHeader = "x-pymar-queue";

    private const string Json = "application/json";

    /// <summary>
    /// A slice request: persistent in the durable mode, so a broker restart keeps it; transient otherwise (the producer
    /// asks again). Its headers carry the job's trace context and baggage; when RabbitMQ.Client traces the publish,
    /// it writes its own publish span's context over them, as a child of the job's span.
    /// </summary>
    public static BasicProperties Slice(SliceMessageProperties properties, bool persistent) => new()
    {
        Persistent = persistent,
        ContentType = Json,
        Type = "pymar.slice",
        CorrelationId = properties.CorrelationId,
        ReplyTo = properties.ReplyTo,
        Headers = properties.PropagationHeaders is { Count: > 0 } propagation
            ? propagation.ToDictionary(h => h.Key, h => (object?)h.Value, StringComparer.Ordinal)
            : null,
    };

    /// <summary>The trace context and baggage headers of a delivered message (AMQP delivers strings as bytes), or null.</summary>
    public static IReadOnlyDictionary<string, string>? PropagationHeaders(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers is not { Count: > 0 } headers)
        {
            return null;
        }

        Dictionary<string, string>? found = null;
        foreach (var field in DistributedContextPropagator.Current.Fields)
        {
            if (headers.TryGetValue(field, out var value) && value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null } is { } decoded)
            {
                (found ??= new Dictionary<string, string>(StringComparer.Ordinal))[field] = decoded;
            }
        }

        return found;
    }

    /// <summary>
    /// A slice reply: transient, since its reply queue dies with its producer anyway, and without properties, since its
    /// body names its job and slice (every property is a string the producer would read for each reply).
    /// </summary>
    public static BasicProperties Reply() => new();

    /// <summary>The news that a job ended, fanned out to every worker.</summary>
    public static BasicProperties JobEnded() => new() { Type = JobEndedType };

    /// <summary>The news that one slice of a running job is answered (a straggler's copy won), fanned out to every worker.</summary>
    public static BasicProperties SliceCancelled() => new() { Type = SliceCancelledType };

    /// <summary>The type of <see cref="JobEnded"/> messages (the body is the job id).</summary>
    public const string JobEndedType = "pymar.job-ended";

    /// <summary>The type of <see cref="SliceCancelled"/> messages (the body is the slice's correlation id, <c>job:slice</c>).</summary>
    public const string SliceCancelledType = "pymar.slice-cancelled";

    /// <summary>A rejected slice on its way to the dead-letter queue, with the reason and its queue in headers.</summary>
    public static BasicProperties DeadLetter(string queue, string reason, string? correlationId) => new()
    {
        Persistent = true,
        CorrelationId = correlationId,
        Headers = new Dictionary<string, object?> { [DeadLetterReasonHeader] = reason, [DeadLetterQueueHeader] = queue },
    };
}
