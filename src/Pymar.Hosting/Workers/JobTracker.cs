using System.Collections.Concurrent;

namespace Pymar.Hosting.Workers;

/// <summary>
/// What a worker knows about jobs that have ended: their slices are dropped instead of computed, and slices of
/// theirs that are running are cancelled.
/// </summary>
internal sealed class JobTracker
{
    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<string, byte> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _endedOrder = new();
    private readonly ConcurrentDictionary<RunningSlice, byte> _running = new();

    public bool HasEnded(string jobId) => _ended.ContainsKey(jobId);

    public void MarkEnded(string jobId)
    {
        if (_ended.TryAdd(jobId, 0))
        {
            _endedOrder.Enqueue(jobId);
            while (_endedOrder.Count > MaxRemembered && _endedOrder.TryDequeue(out var oldest))
            {
                _ended.TryRemove(oldest, out _);
            }
        }

        foreach (var slice in _running.Keys)
        {
            if (slice.JobId == jobId)
            {
                slice.Cancel();
            }
        }
    }

    /// <summary>Tracks a running slice until the result is disposed; it is cancelled if its job ends meanwhile.</summary>
    public IDisposable Track(string jobId, CancellationTokenSource cancellation)
    {
        var slice = new RunningSlice(this, jobId, cancellation);
        _running[slice] = 0;
        if (HasEnded(jobId))
        {
            slice.Cancel();
        }

        return slice;
    }

    private sealed class RunningSlice(JobTracker tracker, string jobId, CancellationTokenSource cancellation) : IDisposable
    {
        public string JobId => jobId;

        public void Cancel()
        {
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The slice finished meanwhile.
            }
        }

        public void Dispose() => tracker._running.TryRemove(this, out _);
    }
}
