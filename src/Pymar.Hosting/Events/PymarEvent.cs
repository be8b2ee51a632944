using System.Diagnostics.CodeAnalysis;

namespace Pymar.Hosting.Events;

/// <summary>
/// One small, transient event about the work: a worker's heartbeat, a slice started or ended, a job's progress.
/// <see cref="Kind"/> (one of <see cref="PymarEventKinds"/>) says which; the members that do not apply to a kind are
/// null. On RabbitMQ it travels as camel-case JSON on the topic exchange <c>pymar.events</c>, alone (routed by its
/// kind) or with the others that gathered in its publisher's queue, as one batch (a JSON array, routed by <c>batch</c>).
/// </summary>
/// <example>
/// A slice's end as it travels:
/// <c>{"kind":"slice.finished","time":"…","worker":"node1/4711","jobId":"9f…","producer":"SquaredSum","sliceIndex":3,"attempt":1,"slot":0,"durationMs":12.5}</c>.
/// </example>
public sealed record PymarEvent
{
    /// <summary>An empty event: set <see cref="Kind"/> and what applies; a publisher stamps the time and origin left unset.</summary>
    public PymarEvent()
    {
    }

    /// <summary>
    /// An event of this process happening now, stamped already (time, worker, host, process id), so a publisher need
    /// not copy it to stamp it: the typed helpers of <see cref="PymarEventPublisherExtensions"/> make every event this way.
    /// </summary>
    [SetsRequiredMembers]
    internal PymarEvent(string kind)
    {
        Kind = kind;
        Time = DateTimeOffset.UtcNow;
        Worker = EventOrigin.Worker;
        Host = EventOrigin.Host;
        ProcessId = EventOrigin.ProcessId;
    }

    /// <summary>What happened: one of <see cref="PymarEventKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>When it happened (for a slice or a job that ended: when it ended). Stamped by the publisher when left default.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The process that sent it, <c>host/processId</c> unless set; stamped by the publisher when null.</summary>
    public string? Worker { get; init; }

    /// <summary>The sender's machine name; stamped by the publisher when null.</summary>
    public string? Host { get; init; }

    /// <summary>The sender's process id; stamped by the publisher when null.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Heartbeat: the producers this worker serves.</summary>
    public IReadOnlyList<string>? Producers { get; init; }

    /// <summary>Heartbeat: how many slices this worker may run at once now.</summary>
    public int? SlotsTotal { get; init; }

    /// <summary>Heartbeat: the least slots of a worker whose concurrency is a range (<c>Pymar:Worker:Concurrency</c> <c>"2..8"</c>); null when fixed.</summary>
    public int? SlotsMin { get; init; }

    /// <summary>Heartbeat: the most slots of a worker whose concurrency is a range; null when fixed.</summary>
    public int? SlotsMax { get; init; }

    /// <summary>Heartbeat: how many of its slots are running a slice now.</summary>
    public int? SlotsBusy { get; init; }

    /// <summary>Heartbeat: how many slices this worker has answered since it started.</summary>
    public long? SlicesDone { get; init; }

    /// <summary>Heartbeat: the interval of this worker's heartbeats, in seconds (a reader counts missed ones by it).</summary>
    public double? HeartbeatSeconds { get; init; }

    /// <summary>Slice and job events: the job's id.</summary>
    public string? JobId { get; init; }

    /// <summary>Slice and job events: the producer's name.</summary>
    public string? Producer { get; init; }

    /// <summary>Slice events: the slice's index in its job.</summary>
    public int? SliceIndex { get; init; }

    /// <summary>Slice events: the delivery attempt (1 for the first).</summary>
    public int? Attempt { get; init; }

    /// <summary>Slice events: the worker's slot that runs it (0-based); one task-stream lane per slot.</summary>
    public int? Slot { get; init; }

    /// <summary>Slice finished or failed: how long the slice ran, in milliseconds.</summary>
    public double? DurationMs { get; init; }

    /// <summary>Job events: how many slices the job has.</summary>
    public int? SliceCount { get; init; }

    /// <summary>Job events: how many slices are answered.</summary>
    public int? Answered { get; init; }

    /// <summary>Job events: how many slices were sent again after a timeout or a failure.</summary>
    public int? Retries { get; init; }

    /// <summary>Job events: how many speculative copies of slow slices were sent.</summary>
    public int? Speculative { get; init; }

    /// <summary>Job events: how long the job has run, in milliseconds.</summary>
    public double? ElapsedMs { get; init; }

    /// <summary>Job finished: the size of the answer (the reduced value as serialized), in bytes.</summary>
    public long? AnswerBytes { get; init; }

    /// <summary>Slice or job failed: a one-line reason (never a connection string or a password).</summary>
    public string? Error { get; init; }
}
