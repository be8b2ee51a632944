using Polly;
using Polly.Retry;

namespace Pymar.Hosting.Resilience;

/// <summary>
/// The retry pipelines of Pymar (Polly): exponential backoff with jitter, capped at <see cref="MaxDelay"/>, timed
/// by a <see cref="TimeProvider"/> so tests can drive them.
/// </summary>
internal static class Backoff
{
    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Retries a call for as long as it throws <typeparamref name="TException"/>, reporting each wait.</summary>
    public static ResiliencePipeline Forever<TException>(TimeProvider time, TimeSpan firstDelay, Action<TException, TimeSpan> onRetry)
        where TException : Exception =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = MaxDelay,
                OnRetry = args =>
                {
                    onRetry((TException)args.Outcome.Exception!, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// Retries a call up to <paramref name="retries"/> times while its result <paramref name="failed"/>; the last
    /// result is returned either way. Null when <paramref name="retries"/> is 0.
    /// </summary>
    public static ResiliencePipeline<T>? Retries<T>(TimeProvider time, int retries, TimeSpan firstDelay, Func<T, bool> failed, Action<T, int, TimeSpan> onRetry) =>
        retries < 1
            ? null
            : new ResiliencePipelineBuilder<T> { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions<T>
                {
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && failed(args.Outcome.Result!)),
                    MaxRetryAttempts = retries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = firstDelay,
                    MaxDelay = MaxDelay,
                    OnRetry = args =>
                    {
                        onRetry(args.Outcome.Result!, args.AttemptNumber + 1, args.RetryDelay);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
}
