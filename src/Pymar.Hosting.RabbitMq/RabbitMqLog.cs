using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.RabbitMq;

/// <summary>The RabbitMQ transport's log lines, with stable event ids.</summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(3000, LogLevel.Information, "Connected to RabbitMQ at {Broker}")]
    public static partial void Connected(ILogger logger, string broker);

    [LoggerMessage(3001, LogLevel.Warning, "Lost the connection to RabbitMQ at {Broker} ({Reason}); recovering")]
    public static partial void ConnectionLost(ILogger logger, string broker, string reason);

    [LoggerMessage(3002, LogLevel.Information, "Recovered the connection to RabbitMQ at {Broker}")]
    public static partial void ConnectionRecovered(ILogger logger, string broker);

    [LoggerMessage(3003, LogLevel.Debug, "Declared queue {Queue}")]
    public static partial void Declared(ILogger logger, string queue);

    [LoggerMessage(3005, LogLevel.Warning, "RabbitMQ closed the consuming channel ({ReplyCode} {ReplyText}); opening a new one. Unacknowledged slices return to their queue")]
    public static partial void ChannelClosedByBroker(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(3006, LogLevel.Error, "Could not reopen the consuming channel: {Reason}; retrying in {Delay}")]
    public static partial void ReopenFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(3007, LogLevel.Warning, "The channel of a slice from {Queue} was closed while it ran ({Reason}); the slice went back to its queue; sending its answer on another channel")]
    public static partial void ReplyOnOtherChannel(ILogger logger, string queue, string reason);

    [LoggerMessage(3008, LogLevel.Information, "Reopened the consuming channel for producers {Producers}")]
    public static partial void ChannelReopened(ILogger logger, string producers);

    [LoggerMessage(3009, LogLevel.Warning, "RabbitMQ nacked a message to queue {Queue} (attempt {Attempt}); publishing it again in {Delay}")]
    public static partial void PublishNacked(ILogger logger, string queue, int attempt, TimeSpan delay);

    [LoggerMessage(3004, LogLevel.Warning, "Could not settle a delivery from {Queue}: {Reason}; the broker redelivers it")]
    public static partial void SettleFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(3010, LogLevel.Warning, "Closing the connection to RabbitMQ failed: {Reason}")]
    public static partial void DisposeFailed(ILogger logger, string reason);

    [LoggerMessage(3011, LogLevel.Warning, "A slice publish to {Queue} came back unroutable: the queue was deleted; declaring it again and publishing once more")]
    public static partial void WorkQueueRecreated(ILogger logger, string queue);

    [LoggerMessage(3012, LogLevel.Warning, "RabbitMQ cancelled the consumer of {Queue} (the queue was deleted?); declaring it again and consuming it")]
    public static partial void ConsumerCancelledByBroker(ILogger logger, string queue);

    [LoggerMessage(3013, LogLevel.Warning, "Could not dead-letter a slice from {Queue}: {Reason}; rejecting it to the queue's own dead-letter route")]
    public static partial void DeadLetterFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(3014, LogLevel.Warning, "The dead-letter queue {Queue} was missing (deleted?); declaring it again")]
    public static partial void DeadLetterQueueMissing(ILogger logger, string queue);

    [LoggerMessage(3015, LogLevel.Warning, "RabbitMQ closed the publishing channel ({ReplyCode} {ReplyText}); opening a new one and declaring the topology again")]
    public static partial void PublishChannelReplaced(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(3016, LogLevel.Warning, "The reply queue {Queue} was deleted while its connection stayed open (rabbitmqctl delete_queue, a policy); declaring it again under the same name")]
    public static partial void ReplyQueueDeleted(ILogger logger, string queue);

    [LoggerMessage(3017, LogLevel.Information, "Declared the reply queue {Queue} again and consume it; asking again for the unanswered slices")]
    public static partial void ReplyQueueDeclaredAgain(ILogger logger, string queue);

    [LoggerMessage(3018, LogLevel.Warning, "Could not declare the reply queue {Queue} again ({Reason}); the connection's recovery declares it")]
    public static partial void ReplyQueueRedeclareFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(3019, LogLevel.Debug, "Consuming replies on {Queue}")]
    public static partial void ReplyQueueOpened(ILogger logger, string queue);

    [LoggerMessage(3040, LogLevel.Warning, "Recovering the connection, RabbitMQ.Client could not restore {Entity}: {Reason}")]
    public static partial void TopologyRecoveryFailed(ILogger logger, string entity, string reason);

    [LoggerMessage(3041, LogLevel.Information, "Declared exclusive queue {Queue} again after the broker released the copy of the lost connection ({Attempts} attempts)")]
    public static partial void ExclusiveQueueRecovered(ILogger logger, string queue, int attempts);

    [LoggerMessage(3042, LogLevel.Warning, "RabbitMQ nacked a message to queue {Queue} {Attempts} times on one channel; publishing it on a new channel")]
    public static partial void PublishChannelRenewed(ILogger logger, string queue, int attempts);

    [LoggerMessage(3043, LogLevel.Warning, "RabbitMQ confirmed none of {Waiting} publishes for {Timeout}; closing the publishing channel so that they are published again on a new one")]
    public static partial void ConfirmsStalled(ILogger logger, int waiting, TimeSpan timeout);

    [LoggerMessage(3044, LogLevel.Warning, "RabbitMQ blocked the connection ({Reason}): publishes wait until it is unblocked")]
    public static partial void ConnectionBlocked(ILogger logger, string reason);

    [LoggerMessage(3045, LogLevel.Information, "RabbitMQ unblocked the connection")]
    public static partial void ConnectionUnblocked(ILogger logger);

    [LoggerMessage(3046, LogLevel.Warning, "Could not close the stalled publishing channel: {Reason}")]
    public static partial void StalledChannelCloseFailed(ILogger logger, string reason);
}
