using System.Threading.Tasks.Sources;

namespace Pymar.Hosting.Client;

/// <summary>
/// The places of one sliding publish window: a single loop waits for a free place, and each finished publish frees
/// its own. A wait that cannot be met at once is one reusable operation (no task or node per wait, as a
/// <see cref="SemaphoreSlim"/> would allocate), and a freed place is handed straight to the waiting loop, which
/// goes on on the thread that freed it.
/// </summary>
internal sealed class PublishWindow(int places) : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _wait;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _waitToken;
    private int _free = places;
    private bool _waiting;

    /// <summary>Takes a place, waiting for one to be freed if none is; one caller at a time.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        short version;
        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
                return default;
            }

            _wait.Reset();
            version = _wait.Version;
            _waitToken = cancellationToken;
            _waiting = true;
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static state => ((PublishWindow)state!).Cancel(), this);
        }

        return new ValueTask(this, version);
    }

    /// <summary>Frees a place: the waiting loop takes it, or it waits for the next call.</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _free++;
                return;
            }

            _waiting = false;
        }

        _wait.SetResult(true);
    }

    private void Cancel()
    {
        CancellationToken token;
        lock (_lock)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            token = _waitToken;
        }

        _wait.SetException(new OperationCanceledException(token));
    }

    void IValueTaskSource.GetResult(short token)
    {
        _cancellation.Unregister();
        _cancellation = default;
        _wait.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);
}
