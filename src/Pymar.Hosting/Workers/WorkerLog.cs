using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Workers;

/// <summary>The worker pool's log lines, with stable event ids.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(1000, LogLevel.Information, "Worker {WorkerId} consuming producers {Producers} through {Transport} with concurrency {Concurrency}")]
    public static partial void Consuming(ILogger logger, string workerId, string producers, string transport, string concurrency);

    [LoggerMessage(1001, LogLevel.Information, "Worker {WorkerId} stopping: no new slices; waiting for {Running} running slice(s)")]
    public static partial void Stopping(ILogger logger, string workerId, int running);

    [LoggerMessage(1002, LogLevel.Information, "Worker {WorkerId} stopped after {Completed} slice(s)")]
    public static partial void Stopped(ILogger logger, string workerId, long completed);

    [LoggerMessage(1003, LogLevel.Information, "Purged {Count} waiting slice(s) of producers {Producers}")]
    public static partial void Purged(ILogger logger, long count, string producers);

    [LoggerMessage(1004, LogLevel.Warning, "Worker {WorkerId} cannot consume yet ({Reason}); retrying in {Delay}")]
    public static partial void WaitingForBroker(ILogger logger, string workerId, string reason, TimeSpan delay);

    [LoggerMessage(1010, LogLevel.Debug, "Slice {SliceIndex} {Window} of job {JobId} ({Producer}) started{Redelivered}")]
    public static partial void SliceStarted(ILogger logger, int sliceIndex, SliceWindow window, string jobId, string producer, string redelivered);

    [LoggerMessage(1011, LogLevel.Debug, "Slice {SliceIndex} of job {JobId} ({Producer}) done in {ElapsedMs:0.###} ms")]
    public static partial void SliceDone(ILogger logger, int sliceIndex, string jobId, string producer, double elapsedMs);

    [LoggerMessage(1012, LogLevel.Warning, "Slice {SliceIndex} {Window} of job {JobId} ({Producer}) failed; the error goes back to the producer")]
    public static partial void SliceFailed(ILogger logger, Exception exception, int sliceIndex, SliceWindow window, string jobId, string producer);

    [LoggerMessage(1013, LogLevel.Debug, "Slice {SliceIndex} of job {JobId} ({Producer}) dropped: {Reason}")]
    public static partial void SliceDropped(ILogger logger, int sliceIndex, string jobId, string producer, string reason);

    [LoggerMessage(1018, LogLevel.Error, "Dead-lettered slice {SliceIndex} of job {JobId} ({Producer}) after {Deliveries} deliveries: workers keep stopping while computing it")]
    public static partial void Poison(ILogger logger, int sliceIndex, string jobId, string producer, int deliveries);

    [LoggerMessage(1014, LogLevel.Error, "Rejected a malformed slice message from queue {Queue}: {Reason}")]
    public static partial void Malformed(ILogger logger, string queue, string reason);

    [LoggerMessage(1015, LogLevel.Error, "Rejected slice {SliceIndex} of job {JobId}: producer '{Producer}' is not registered on this worker")]
    public static partial void UnknownProducer(ILogger logger, int sliceIndex, string jobId, string producer);

    [LoggerMessage(1016, LogLevel.Information, "Slice {SliceIndex} of job {JobId} ({Producer}) interrupted by shutdown; returned to the queue")]
    public static partial void SliceReturned(ILogger logger, int sliceIndex, string jobId, string producer);

    [LoggerMessage(1017, LogLevel.Error, "Handling a slice from queue {Queue} failed; it goes back to the queue")]
    public static partial void HandlingFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(1030, LogLevel.Warning, "Dead-lettered slice {SliceIndex} of job {JobId} ({Producer}): {Reason}")]
    public static partial void Refused(ILogger logger, int sliceIndex, string jobId, string producer, string reason);

    [LoggerMessage(1031, LogLevel.Warning, "Slice {SliceIndex} {Window} of job {JobId} ({Producer}) ran past {Deadline}: cancelled and dead-lettered")]
    public static partial void SliceTimedOut(ILogger logger, int sliceIndex, SliceWindow window, string jobId, string producer, string deadline);

    [LoggerMessage(1032, LogLevel.Error, "Slice {SliceIndex} of job {JobId} ({Producer}) ignored its cancellation for {Grace}: its slot is lost until it returns ({LostSlots} slot(s) lost)")]
    public static partial void SliceLost(ILogger logger, int sliceIndex, string jobId, string producer, TimeSpan grace, int lostSlots);

    [LoggerMessage(1033, LogLevel.Information, "Slice {SliceIndex} of job {JobId} ({Producer}) returned at last: its slot serves again")]
    public static partial void SlotRecovered(ILogger logger, int sliceIndex, string jobId, string producer);

    [LoggerMessage(1034, LogLevel.Information, "Worker {WorkerId} went from {FromSlots} to {ToSlots} slot(s) of {Concurrency}: {Reason}")]
    public static partial void SlotsChanged(ILogger logger, string workerId, int fromSlots, int toSlots, string concurrency, string reason);

    [LoggerMessage(1035, LogLevel.Warning, "Worker {WorkerId} keeps {Slots} slot(s) of {Concurrency}: the consumer of {Transport} cannot change how many slices it holds")]
    public static partial void CannotScale(ILogger logger, string workerId, string transport, string concurrency, int slots);
}
