using Pymar.Hosting.Events;

namespace Pymar.Hosting.Testing;

/// <summary>
/// What a test checks after it runs a job through <c>UseTestHarness()</c>: the dead letters, the events, and waits
/// that complete when a condition holds (signalled by the events and the broker, never by polling). Resolve it from
/// the host's services.
/// </summary>
/// <example>
/// <code>
/// var harness = host.Services.GetRequiredService&lt;PymarTestHarness&gt;();
/// var sum = await client.MapAsync(new SquaredSum(), DataSourceFactory&lt;long&gt;.For&lt;Numbers&gt;());
/// var finished = await harness.WhenJobFinishedAsync(null, cancellationToken);
/// </code>
/// </example>
public sealed class PymarTestHarness
{
    private static readonly object s_holds = new();
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private readonly List<PymarEvent> _endedJobs = [];
    private int _slicesFinished;

    /// <summary>Creates a harness over <paramref name="broker"/>; <c>UseTestHarness()</c> does this for a host.</summary>
    /// <param name="broker">The broker whose dead letters it watches.</param>
    internal PymarTestHarness(InProcessBroker broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        Broker = broker;
        broker.DeadLettered += _ => Signal();
        Handler = new EventHandler(this);
    }

    /// <summary>The broker the host's slices travel through.</summary>
    public InProcessBroker Broker { get; }

    /// <summary>The messages workers rejected without requeue, oldest first.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters => Broker.DeadLetters;

    /// <summary>Every job, slice and worker event of the host since it started.</summary>
    public PymarEventRecorder Events { get; } = new();

    /// <summary>Receives the host's events; subscribed when the host starts.</summary>
    internal IPymarEventHandler Handler { get; }

    /// <summary>Completes once <paramref name="count"/> slices have finished on a worker (<c>slice.finished</c> events).</summary>
    /// <param name="count">How many finished slices to wait for, counted since the host started.</param>
    /// <param name="cancellationToken">Stops waiting; the task then throws <see cref="OperationCanceledException"/>.</param>
    public Task WhenSlicesCompletedAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WaitAsync(() => _slicesFinished >= count ? s_holds : null, cancellationToken);
    }

    /// <summary>Completes once <paramref name="count"/> messages are in <see cref="DeadLetters"/>.</summary>
    /// <param name="count">How many dead letters to wait for.</param>
    /// <param name="cancellationToken">Stops waiting; the task then throws <see cref="OperationCanceledException"/>.</param>
    public Task WhenDeadLetteredAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WaitAsync(() => Broker.DeadLetters.Count >= count ? s_holds : null, cancellationToken);
    }

    /// <summary>
    /// Completes with the event that ended job <paramref name="jobId"/>, or the first job to end when it is null:
    /// <c>job.finished</c>, or <c>job.failed</c> (see <see cref="PymarEvent.Kind"/> and <see cref="PymarEvent.Error"/>).
    /// A job that ended before the call counts.
    /// </summary>
    /// <param name="jobId">The job's id, or null for any job.</param>
    /// <param name="cancellationToken">Stops waiting; the task then throws <see cref="OperationCanceledException"/>.</param>
    public Task<PymarEvent> WhenJobFinishedAsync(string? jobId, CancellationToken cancellationToken = default) =>
        WaitAsync(() => _endedJobs.Find(e => jobId is null || e.JobId == jobId), cancellationToken);

    /// <summary>A task that completes with what <paramref name="holds"/> returns once it is not null; checked now and on each signal.</summary>
    private Task<T> WaitAsync<T>(Func<T?> holds, CancellationToken cancellationToken)
        where T : class
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var waiter = new Waiter<T>(holds);
        lock (_lock)
        {
            if (waiter.TryComplete())
            {
                return waiter.Task;
            }

            _waiters.Add(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    _waiters.Remove(waiter);
                }

                waiter.Cancel(cancellationToken);
            });
            _ = waiter.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return waiter.Task;
    }

    private void Signal()
    {
        lock (_lock)
        {
            _waiters.RemoveAll(w => w.TryComplete());
        }
    }

    private void OnEvent(PymarEvent pymarEvent)
    {
        Events.OnEvent(pymarEvent);
        lock (_lock)
        {
            switch (pymarEvent.Kind)
            {
                case PymarEventKinds.SliceFinished:
                    _slicesFinished++;
                    break;
                case PymarEventKinds.JobFinished or PymarEventKinds.JobFailed:
                    _endedJobs.Add(pymarEvent);
                    break;
                default:
                    return;
            }

            _waiters.RemoveAll(w => w.TryComplete());
        }
    }

    private abstract class Waiter
    {
        /// <summary>Completes the wait when its condition holds; true when it did (or it was cancelled already).</summary>
        public abstract bool TryComplete();
    }

    private sealed class Waiter<T>(Func<T?> holds) : Waiter
        where T : class
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override bool TryComplete() =>
            _completion.Task.IsCompleted || (holds() is { } value && _completion.TrySetResult(value));

        public void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
    }

    private sealed class EventHandler(PymarTestHarness harness) : IPymarEventHandler
    {
        public void OnEvent(PymarEvent pymarEvent) => harness.OnEvent(pymarEvent);

        public void OnMalformed(string reason) => harness.Events.OnMalformed(reason);
    }
}
