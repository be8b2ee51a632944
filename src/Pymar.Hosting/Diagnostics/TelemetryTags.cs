namespace Pymar.Hosting.Diagnostics;

/// <summary>
/// The attribute names and values on Pymar's spans: OpenTelemetry's messaging semantic conventions
/// (<c>messaging.*</c>) and Pymar's own (<c>pymar.*</c>).
/// </summary>
internal static class TelemetryTags
{
    /// <summary>The messaging system that carries the slices, from <see cref="Transport.IPymarTransport.MessagingSystem"/>.</summary>
    public const string MessagingSystem = "messaging.system";

    /// <summary>The work queue of the job's producer.</summary>
    public const string DestinationName = "messaging.destination.name";

    /// <summary>What the span does with messages: <see cref="Send"/> or <see cref="Process"/>.</summary>
    public const string OperationType = "messaging.operation.type";

    /// <summary>The slice's correlation id (<c>job:slice</c>), also the message's AMQP correlation id.</summary>
    public const string ConversationId = "messaging.message.conversation_id";

    /// <summary>The <see cref="OperationType"/> of a job's span, which publishes its slices.</summary>
    public const string Send = "send";

    /// <summary>The <see cref="OperationType"/> of a slice's span, which computes the message it received.</summary>
    public const string Process = "process";

    /// <summary>The registered producer name.</summary>
    public const string Producer = "pymar.producer";

    /// <summary>The job's id.</summary>
    public const string JobId = "pymar.job.id";

    /// <summary>How many slices the job has.</summary>
    public const string JobSlices = "pymar.job.slices";

    /// <summary>The slice's index within its job.</summary>
    public const string SliceIndex = "pymar.slice.index";

    /// <summary>1 for a slice's first request, 2 for its first retry, and so on.</summary>
    public const string SliceAttempt = "pymar.slice.attempt";
}
