using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Client;

/// <summary>The producer client's log lines, with stable event ids.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(2000, LogLevel.Debug, "Job {JobId} of producer {Producer}: {Slices} slice(s) of {Length} item(s) published through {Transport}")]
    public static partial void Published(ILogger logger, string jobId, string producer, int slices, long length, string transport);

    [LoggerMessage(2001, LogLevel.Debug, "Job {JobId} of producer {Producer} reduced {Slices} slice(s) in {ElapsedMs:0.###} ms")]
    public static partial void Reduced(ILogger logger, string jobId, string producer, int slices, double elapsedMs);

    [LoggerMessage(2002, LogLevel.Debug, "Ignored a reply for slice {SliceIndex} of job {JobId}: {Reason}")]
    public static partial void IgnoredReply(ILogger logger, int sliceIndex, string jobId, string reason);

    [LoggerMessage(2003, LogLevel.Warning, "Ignored an unreadable reply: {Reason}")]
    public static partial void UnreadableReply(ILogger logger, string reason);

    [LoggerMessage(2004, LogLevel.Warning, "Job {JobId} of producer {Producer} timed out after {Timeout} with {Completed} of {Total} slice(s) answered; computing it locally")]
    public static partial void TimedOutComputingLocally(ILogger logger, string jobId, string producer, TimeSpan timeout, int completed, int total);

    [LoggerMessage(2006, LogLevel.Warning, "The transport cannot reach its broker ({Transport}): {Reason}; computing job of producer {Producer} locally")]
    public static partial void FallingBackToLocal(ILogger logger, string transport, string reason, string producer);

    [LoggerMessage(2007, LogLevel.Warning, "Slice {SliceIndex} of job {JobId} ({Producer}) failed; attempt {Attempt} in {Delay}: {Reason}")]
    public static partial void Retrying(ILogger logger, int sliceIndex, string jobId, string producer, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(2008, LogLevel.Warning, "The reply inbox was rebuilt after a lost connection or a deleted reply queue; asking again for the unanswered slices of {Jobs} job(s)")]
    public static partial void RepublishingAfterRecovery(ILogger logger, int jobs);

    [LoggerMessage(2009, LogLevel.Debug, "Could not tell workers that job {JobId} ended: {Reason}")]
    public static partial void JobEndedNotSent(ILogger logger, string jobId, string reason);

    [LoggerMessage(2010, LogLevel.Warning, "Could not ask again for unanswered slices: {Reason}")]
    public static partial void RepublishFailed(ILogger logger, string reason);

    [LoggerMessage(2005, LogLevel.Debug, "Job of producer {Producer} computed locally")]
    public static partial void ComputingLocally(ILogger logger, string producer);

    [LoggerMessage(2011, LogLevel.Information, "Slice {SliceIndex} of job {JobId} ({Producer}) is a straggler; publishing a copy (the first answer counts)")]
    public static partial void Speculating(ILogger logger, int sliceIndex, string jobId, string producer);

    [LoggerMessage(2012, LogLevel.Warning, "The partial value of slice {SliceIndex} of job {JobId} ({Producer}) from worker {WorkerId} cannot be read as {ValueType}; dropped, asking for the slice again: {Reason}")]
    public static partial void UnreadableValue(ILogger logger, int sliceIndex, string jobId, string producer, string workerId, string valueType, string reason);

    [LoggerMessage(2013, LogLevel.Warning, "Job {JobId} of producer {Producer} cancelled with {Completed} of {Total} slice(s) answered: the host is stopping")]
    public static partial void CancelledByHostStop(ILogger logger, string jobId, string producer, int completed, int total);

    [LoggerMessage(2014, LogLevel.Warning, "Job of producer {Producer} cancelled: the host is stopping")]
    public static partial void CancelledByHostStopBeforeJob(ILogger logger, string producer);

    [LoggerMessage(2015, LogLevel.Warning, "Job {JobId} of producer {Producer} lost its connection to the broker while publishing; waiting at most {Limit} for it to come back, then publishing again the slices not confirmed: {Reason}")]
    public static partial void PublishingPaused(ILogger logger, string jobId, string producer, TimeSpan limit, string reason);

    [LoggerMessage(2016, LogLevel.Information, "Job {JobId} of producer {Producer} publishes again after {WaitedMs:0} ms without a connection to the broker")]
    public static partial void PublishingResumed(ILogger logger, string jobId, string producer, double waitedMs);

    [LoggerMessage(2030, LogLevel.Information, "Job {JobId} of producer {Producer} cut into {SliceCount} slice(s): {LiveSlots} live slot(s) on {Workers} worker(s) × balance {Balance}, bounded by {Length} item(s) at {MinItems} or more per slice")]
    public static partial void AutoSliceCount(ILogger logger, string jobId, string producer, int sliceCount, int liveSlots, int workers, int balance, long length, int minItems);

    [LoggerMessage(2031, LogLevel.Information, "Job {JobId} of producer {Producer} cut into {SliceCount} slice(s): no live worker seen, so the fallback {Fallback}, bounded by {Length} item(s) at {MinItems} or more per slice")]
    public static partial void AutoSliceCountWithoutWorkers(ILogger logger, string jobId, string producer, int sliceCount, int fallback, long length, int minItems);

    [LoggerMessage(2032, LogLevel.Warning, "Job {JobId} of producer {Producer} timed out after {Timeout}: {Ledger}")]
    public static partial void TimedOut(ILogger logger, string jobId, string producer, TimeSpan timeout, string ledger);
}
