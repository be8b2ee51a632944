using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>The transport's two retry rules, as Polly pipelines with exponential, jittered backoff.</summary>
internal static class RabbitMqRetries
{
    /// <summary>How often a nacked slice is published on one channel: about 3 s of retries.</summary>
    public const int PublishAttempts = 6;

    /// <summary>On how many channels in turn a nacked slice is published before the publish fails: about 15 s in all.</summary>
    public const int PublishChannels = 4;

    /// <summary>The queue a publish goes to, for the retry's log line.</summary>
    public static readonly ResiliencePropertyKey<string> Queue = new("pymar.queue");

    /// <summary>
    /// Publishes again after a nack (100 ms, doubling, for about 3 s on one channel; the transport then goes on with a
    /// new channel): a nack means the broker could not take the message this time (a quorum queue electing a new leader
    /// after its node died, for one), and publishing again is safe, since a slice counts once however often it arrives.
    /// A returned (unroutable) message is not retried.
    /// </summary>
    public static ResiliencePipeline Publish(ILogger logger, TimeProvider time) => new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<PublishException>(ex => !ex.IsReturn),
            MaxRetryAttempts = PublishAttempts - 1,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                RabbitMqLog.PublishNacked(logger, args.Context.Properties.GetValue(Queue, "?"), args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        })
        .Build();

    /// <summary>Opens a consuming channel again until it opens or the consumer stops: from 100 ms, doubling, to 30 s apart.</summary>
    public static ResiliencePipeline Reopen(ILogger logger, TimeProvider time) => new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ConnectionLoss.Is(ex) || ex is TimeoutException),
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(30),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                RabbitMqLog.ReopenFailed(logger, args.Outcome.Exception?.Message ?? "unknown", args.RetryDelay);
                return default;
            },
        })
        .Build();
}
