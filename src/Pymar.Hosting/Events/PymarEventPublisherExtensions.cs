using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Events;

/// <summary>
/// The typed events of a worker and a producer, one call each. They return at once (see
/// <see cref="IPymarEventPublisher.Publish"/>) and build nothing when events are off.
/// </summary>
internal static class PymarEventPublisherExtensions
{
    /// <summary>A worker's heartbeat.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="producers">The producers this worker serves.</param>
    /// <param name="slotsTotal">How many slices it may run at once now.</param>
    /// <param name="concurrency">Its configured concurrency; a range is sent as <see cref="PymarEvent.SlotsMin"/> and <see cref="PymarEvent.SlotsMax"/>.</param>
    /// <param name="slotsBusy">How many run now.</param>
    /// <param name="slicesDone">How many it answered since it started.</param>
    /// <param name="interval">The heartbeat interval.</param>
    public static bool WorkerHeartbeat(this IPymarEventPublisher publisher, IReadOnlyList<string> producers, int slotsTotal, WorkerConcurrency concurrency, int slotsBusy, long slicesDone, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.WorkerHeartbeat)
        {
            Producers = producers,
            SlotsTotal = slotsTotal,
            SlotsMin = concurrency.IsElastic ? concurrency.Min : null,
            SlotsMax = concurrency.IsElastic ? concurrency.Max : null,
            SlotsBusy = slotsBusy,
            SlicesDone = slicesDone,
            HeartbeatSeconds = interval.TotalSeconds,
        });
    }

    /// <summary>The worker is stopping.</summary>
    /// <param name="publisher">The publisher.</param>
    public static bool WorkerStopped(this IPymarEventPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.WorkerStopped));
    }

    /// <summary>A worker started a slice.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceIndex">The slice's index.</param>
    /// <param name="attempt">The delivery attempt, 1 for the first.</param>
    /// <param name="slot">The worker's slot (0-based) that runs it: its task-stream lane; null lets the reader pick a free lane.</param>
    public static bool SliceStarted(this IPymarEventPublisher publisher, string jobId, string producer, int sliceIndex, int attempt, int? slot)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.SliceStarted)
        {
            JobId = jobId,
            Producer = producer,
            SliceIndex = sliceIndex,
            Attempt = attempt,
            Slot = slot,
        });
    }

    /// <summary>A worker answered a slice.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceIndex">The slice's index.</param>
    /// <param name="attempt">The delivery attempt, 1 for the first.</param>
    /// <param name="slot">The worker's slot (0-based) that ran it; null lets the reader pick a free lane.</param>
    /// <param name="duration">How long it ran.</param>
    public static bool SliceFinished(this IPymarEventPublisher publisher, string jobId, string producer, int sliceIndex, int attempt, int? slot, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.SliceFinished)
        {
            JobId = jobId,
            Producer = producer,
            SliceIndex = sliceIndex,
            Attempt = attempt,
            Slot = slot,
            DurationMs = duration.TotalMilliseconds,
        });
    }

    /// <summary>A slice threw on a worker.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceIndex">The slice's index.</param>
    /// <param name="attempt">The delivery attempt, 1 for the first.</param>
    /// <param name="slot">The worker's slot (0-based) that ran it; null lets the reader pick a free lane.</param>
    /// <param name="duration">How long it ran.</param>
    /// <param name="error">A one-line reason, such as the exception's type and message.</param>
    public static bool SliceFailed(this IPymarEventPublisher publisher, string jobId, string producer, int sliceIndex, int attempt, int? slot, TimeSpan duration, string error)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.SliceFailed)
        {
            JobId = jobId,
            Producer = producer,
            SliceIndex = sliceIndex,
            Attempt = attempt,
            Slot = slot,
            DurationMs = duration.TotalMilliseconds,
            Error = error,
        });
    }

    /// <summary>A producer started a job.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceCount">How many slices it has.</param>
    public static bool JobStarted(this IPymarEventPublisher publisher, string jobId, string producer, int sliceCount)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.JobStarted)
        {
            JobId = jobId,
            Producer = producer,
            SliceCount = sliceCount,
            Answered = 0,
            ElapsedMs = 0,
        });
    }

    /// <summary>A job's progress. Call it as answers arrive; a reader shows the latest.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceCount">How many slices it has.</param>
    /// <param name="answered">How many are answered.</param>
    /// <param name="retries">How many were sent again.</param>
    /// <param name="speculative">How many speculative copies were sent.</param>
    /// <param name="elapsed">How long the job has run.</param>
    public static bool JobProgress(this IPymarEventPublisher publisher, string jobId, string producer, int sliceCount, int answered, int retries, int speculative, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.JobProgress)
        {
            JobId = jobId,
            Producer = producer,
            SliceCount = sliceCount,
            Answered = answered,
            Retries = retries,
            Speculative = speculative,
            ElapsedMs = elapsed.TotalMilliseconds,
        });
    }

    /// <summary>A job ended with its answer.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceCount">How many slices it had.</param>
    /// <param name="retries">How many were sent again.</param>
    /// <param name="speculative">How many speculative copies were sent.</param>
    /// <param name="elapsed">How long it ran.</param>
    /// <param name="answerBytes">The size of its answer, in bytes.</param>
    public static bool JobFinished(this IPymarEventPublisher publisher, string jobId, string producer, int sliceCount, int retries, int speculative, TimeSpan elapsed, long answerBytes)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.JobFinished)
        {
            JobId = jobId,
            Producer = producer,
            SliceCount = sliceCount,
            Answered = sliceCount,
            Retries = retries,
            Speculative = speculative,
            ElapsedMs = elapsed.TotalMilliseconds,
            AnswerBytes = answerBytes,
        });
    }

    /// <summary>A job failed.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="producer">The producer's name.</param>
    /// <param name="sliceCount">How many slices it had.</param>
    /// <param name="answered">How many were answered.</param>
    /// <param name="elapsed">How long it ran.</param>
    /// <param name="error">A one-line reason.</param>
    public static bool JobFailed(this IPymarEventPublisher publisher, string jobId, string producer, int sliceCount, int answered, TimeSpan elapsed, string error)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.IsEnabled && publisher.Publish(new PymarEvent(PymarEventKinds.JobFailed)
        {
            JobId = jobId,
            Producer = producer,
            SliceCount = sliceCount,
            Answered = answered,
            ElapsedMs = elapsed.TotalMilliseconds,
            Error = error,
        });
    }
}
