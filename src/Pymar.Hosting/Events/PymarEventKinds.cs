namespace Pymar.Hosting.Events;

/// <summary>The values of <see cref="PymarEvent.Kind"/>; on RabbitMQ they are also the routing keys.</summary>
public static class PymarEventKinds
{
    /// <summary>A worker is alive: its producers, slots and slices done.</summary>
    public const string WorkerHeartbeat = "worker.heartbeat";

    /// <summary>A worker is stopping; readers may mark it stale at once.</summary>
    public const string WorkerStopped = "worker.stopped";

    /// <summary>A worker started a slice.</summary>
    public const string SliceStarted = "slice.started";

    /// <summary>A worker answered a slice.</summary>
    public const string SliceFinished = "slice.finished";

    /// <summary>A slice threw on a worker (answered with an error or dead-lettered).</summary>
    public const string SliceFailed = "slice.failed";

    /// <summary>A producer started a job.</summary>
    public const string JobStarted = "job.started";

    /// <summary>A job's progress: answered out of its slices.</summary>
    public const string JobProgress = "job.progress";

    /// <summary>A job ended with its answer.</summary>
    public const string JobFinished = "job.finished";

    /// <summary>A job failed.</summary>
    public const string JobFailed = "job.failed";

    /// <summary>True when <paramref name="kind"/> is one of the kinds above.</summary>
    /// <param name="kind">A kind read from the wire.</param>
    public static bool IsKnown(string? kind) => kind is WorkerHeartbeat or WorkerStopped or SliceStarted or SliceFinished
        or SliceFailed or JobStarted or JobProgress or JobFinished or JobFailed;
}
