using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// The log lines of what a worker holds: its credits across several quorum work queues (see <see cref="PrefetchShares"/>)
/// its lookahead (see <see cref="AdaptiveLookahead"/>) and its slots (an elastic worker pool).
/// </summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(3020, LogLevel.Debug, "Moved the work queue credits to {Shares}: holding {Held} of {Budget} slices ({Orphaned} from cancelled consumers)")]
    public static partial void CreditsMoved(ILogger logger, string shares, int held, int budget, int orphaned);

    [LoggerMessage(3021, LogLevel.Debug, "Holds {Held} slices, the most so far; the bound is {Budget}")]
    public static partial void MostHeld(ILogger logger, int held, int budget);

    [LoggerMessage(3022, LogLevel.Warning, "Could not move the work queue credits: {Reason}; trying again shortly")]
    public static partial void CreditsFailed(ILogger logger, string reason);

    [LoggerMessage(3023, LogLevel.Debug, "The lookahead is now {Lookahead} slices: the worker holds at most {Budget}")]
    public static partial void LookaheadChanged(ILogger logger, int lookahead, int budget);

    [LoggerMessage(3024, LogLevel.Warning, "Could not consume with the new prefetch: {Reason}; the consumers keep the one they have")]
    public static partial void LookaheadFailed(ILogger logger, string reason);

    [LoggerMessage(3025, LogLevel.Debug, "The worker has {Slots} slot(s) now: it holds at most {Budget} slices")]
    public static partial void SlotsChanged(ILogger logger, int slots, int budget);
}
