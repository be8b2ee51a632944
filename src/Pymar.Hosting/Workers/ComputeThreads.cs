using System.Collections.Concurrent;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Dedicated threads that run CPU-bound slice computations, so that long slices never occupy the thread pool
/// that the host, the transport and the logging need. Computations known to be short run on the thread pool instead
/// (<see cref="RunShortAsync{T}"/>).
/// </summary>
/// <remarks>
/// A worker pool's threads go on with what follows a computation (writing the reply, acknowledging, reading the
/// next slice) until its next await, instead of handing it to the thread pool: one thread hop less per slice, which
/// is most of a short slice's own cost on the worker. Only code of the pool awaits these tasks there.
/// </remarks>
internal sealed class ComputeThreads : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread[] _threads;
    private readonly TaskCreationOptions _continuations;

    /// <summary>
    /// A producer whose recent computations took less than this on average computes on the thread pool
    /// (<see cref="RunShortAsync{T}"/>): far below what would hold up the pool, and far above a thread hop.
    /// </summary>
    public static readonly TimeSpan ShortComputation = TimeSpan.FromMilliseconds(1);

    /// <param name="count">How many threads.</param>
    /// <param name="name">Their name, numbered.</param>
    /// <param name="continueOnComputeThread">Runs what awaits a computation on the compute thread (see the remarks).</param>
    public ComputeThreads(int count, string name, bool continueOnComputeThread = false)
    {
        _continuations = continueOnComputeThread ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name} #{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>A single thread for code paths that compute outside a worker pool.</summary>
    public static ComputeThreads Inline { get; } = new(1, "pymar-compute");

    /// <summary>Runs <paramref name="compute"/> on one of the dedicated threads.</summary>
    public Task<T> RunAsync<T>(Func<T> compute, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var computation = new Computation<T>(compute, new TaskCompletionSource<T>(_continuations), cancellationToken);
        _work.Add(computation.Execute, CancellationToken.None);
        return computation.Task;
    }

    /// <summary>
    /// Runs a computation known to be short (see <see cref="ShortComputation"/>) on the thread pool, queued on the
    /// calling thread's own queue: that thread takes it up as soon as it returns to the pool (or another pool thread
    /// takes it from there), where a dedicated thread would first have to wake up, which costs a short slice more
    /// than its computation. What awaits it goes on on that pool thread.
    /// </summary>
    public Task<T> RunShortAsync<T>(Func<T> compute, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var computation = new Computation<T>(compute, new TaskCompletionSource<T>(_continuations), cancellationToken);
        ThreadPool.UnsafeQueueUserWorkItem(computation, preferLocal: true);
        return computation.Task;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var thread in _threads)
        {
            // The pool may be disposed from one of its own threads (what followed the last computation ran there).
            if (thread != Thread.CurrentThread)
            {
                thread.Join(TimeSpan.FromSeconds(1));
            }
        }
    }

    private void Run()
    {
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    /// <summary>One computation and the task that gives its result.</summary>
    private sealed class Computation<T>(Func<T> compute, TaskCompletionSource<T> completion, CancellationToken cancellationToken) : IThreadPoolWorkItem
    {
        public Task<T> Task => completion.Task;

        public void Execute()
        {
            try
            {
                completion.TrySetResult(compute());
            }
            catch (OperationCanceledException ex) when (ex.CancellationToken == cancellationToken)
            {
                completion.TrySetCanceled(cancellationToken);
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        }
    }
}
