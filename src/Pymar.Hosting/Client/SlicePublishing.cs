using System.Runtime.CompilerServices;

namespace Pymar.Hosting.Client;

/// <summary>
/// How a job's slices reach the transport: the first publish of every slice in a sliding window, and any publish
/// (first, retry) made again when it failed on a lost connection, once the connection is back
/// (<see cref="BrokerOutage"/>). A publish the transport confirmed is reported through <c>confirmed</c> and never
/// made again here.
/// </summary>
internal sealed class SlicePublishing(int total, BrokerOutage outage, Func<int, int, CancellationToken, ValueTask> publish, Action<int> confirmed)
{
    /// <summary>How many first publishes are in flight at once (the broker confirms many at once).</summary>
    public const int MaxPublishesInFlight = 128;

    /// <summary>
    /// Publishes every slice once, pipelined in a sliding window: a slow confirm does not hold back the publishes
    /// behind it. Throws the first error a publish could not get past (a lost connection that stayed lost past the
    /// limit, a slice the transport refuses).
    /// </summary>
    public Task PublishAllAsync(CancellationToken cancellationToken) =>
        PublishWindowedAsync(Enumerable.Range(0, total), _ => 1, cancellationToken);

    /// <summary>
    /// Publishes the given slices again, each under the attempt <paramref name="attemptOf"/> gives, in the same
    /// sliding window as the first publishes: after a lost reply inbox, thousands of unanswered slices go out at the
    /// broker's pace, not one confirm at a time.
    /// </summary>
    public Task PublishAgainAsync(IEnumerable<int> indices, Func<int, int> attemptOf, CancellationToken cancellationToken) =>
        PublishWindowedAsync(indices, attemptOf, cancellationToken);

    private async Task PublishWindowedAsync(IEnumerable<int> indices, Func<int, int> attemptOf, CancellationToken cancellationToken)
    {
        // Publishes still in flight when the job is cancelled free their place after this method has returned.
        var window = new PublishWindow(MaxPublishesInFlight);
        var failure = new PublishFailure();
        var watchers = new Watchers(window, failure);
        foreach (var i in indices)
        {
            if (failure.Error is not null)
            {
                break;
            }

            await window.WaitAsync(cancellationToken).ConfigureAwait(false);
            watchers.Watch(PublishSurvivingLossAsync(i, attemptOf(i), cancellationToken));
        }

        // Every publish has finished once every place in the window is free again.
        for (var free = 0; free < MaxPublishesInFlight; free++)
        {
            await window.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (failure.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>
    /// Publishes a slice; when the publish (or its confirm) failed because the connection or its channel was lost,
    /// waits for the transport to be connected again and publishes it again, within <see cref="MapOptions.ReconnectTimeout"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PublishSurvivingLossAsync(int index, int attempt, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await publish(index, attempt, cancellationToken).ConfigureAwait(false);
                confirmed(index);
                outage.Published();
                return;
            }
            catch (TransportUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
            {
                await outage.WaitAsync(ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Frees each publish's place in the window once it has finished, noting its error. A publish that does not finish
    /// at once is followed by a watcher that is used again for a later publish (one per place in the window at most),
    /// so that a job's thousands of publishes do not each leave a task behind.
    /// </summary>
    private sealed class Watchers(PublishWindow window, PublishFailure failure)
    {
        private readonly Lock _lock = new();
        private readonly Stack<Watcher> _idle = new();

        public void Watch(ValueTask publishing)
        {
            var awaiter = publishing.ConfigureAwait(false).GetAwaiter();
            if (awaiter.IsCompleted)
            {
                Finish(awaiter);
                return;
            }

            Watcher? watcher;
            lock (_lock)
            {
                _idle.TryPop(out watcher);
            }

            (watcher ?? new Watcher(this)).Follow(awaiter);
        }

        private void Finish(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter finished)
        {
            try
            {
                finished.GetResult();
            }
            catch (Exception ex)
            {
                failure.Set(ex);
            }
            finally
            {
                window.Release();
            }
        }

        /// <summary>Follows one publish at a time; idle again before that publish's place is freed.</summary>
        private sealed class Watcher
        {
            private readonly Watchers _owner;
            private readonly Action _onCompleted;
            private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _awaiter;

            public Watcher(Watchers owner)
            {
                _owner = owner;
                _onCompleted = OnCompleted;
            }

            public void Follow(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter awaiter)
            {
                _awaiter = awaiter;
                awaiter.UnsafeOnCompleted(_onCompleted);
            }

            private void OnCompleted()
            {
                var finished = _awaiter;
                _awaiter = default;
                lock (_owner._lock)
                {
                    _owner._idle.Push(this);
                }

                _owner.Finish(finished);
            }
        }
    }

    /// <summary>The first error of a job's publishes.</summary>
    private sealed class PublishFailure
    {
        private Exception? _error;

        public Exception? Error => Volatile.Read(ref _error);

        public void Set(Exception error) => Interlocked.CompareExchange(ref _error, error, null);
    }
}
