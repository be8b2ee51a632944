using System.Collections.Concurrent;

namespace Pymar.Hosting.Workers;

/// <summary>
/// What a worker knows about jobs: the ones that have ended (their slices are dropped instead of computed, and
/// slices of theirs that are running are cancelled), single slices answered by another copy (cancelled or dropped
/// the same way), and the length of each data source a running job reads, counted
/// once per job and forgotten when the job ends.
/// </summary>
internal sealed class JobTracker
{
    private const int MaxRemembered = 100_000;
    private const int MaxLengths = 10_000;
    private readonly ConcurrentDictionary<string, byte> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _endedOrder = new();
    private readonly ConcurrentDictionary<(string JobId, int SliceIndex), byte> _cancelled = new();
    private readonly ConcurrentQueue<(string JobId, int SliceIndex)> _cancelledOrder = new();
    private readonly ConcurrentDictionary<RunningSlice, byte> _running = new();
    private readonly ConcurrentDictionary<(string JobId, string Source), Task<long>> _lengths = new();
    private readonly ConcurrentQueue<(string JobId, string Source)> _lengthsOrder = new();

    public bool HasEnded(string jobId) => _ended.ContainsKey(jobId);

    /// <summary>True when the slice's job has ended or another copy of the slice has answered.</summary>
    public bool IsDone(string jobId, int sliceIndex) => _ended.ContainsKey(jobId) || _cancelled.ContainsKey((jobId, sliceIndex));

    /// <summary>
    /// Another copy of slice <paramref name="sliceIndex"/> of job <paramref name="jobId"/> has answered: a copy
    /// running here is cancelled, and one that arrives later is dropped.
    /// </summary>
    public void CancelSlice(string jobId, int sliceIndex)
    {
        var key = (jobId, sliceIndex);
        if (_cancelled.TryAdd(key, 0))
        {
            _cancelledOrder.Enqueue(key);
            while (_cancelledOrder.Count > MaxRemembered && _cancelledOrder.TryDequeue(out var oldest))
            {
                _cancelled.TryRemove(oldest, out _);
            }
        }

        foreach (var slice in _running.Keys)
        {
            if (slice.SliceIndex == sliceIndex && slice.JobId == jobId)
            {
                slice.Cancel();
            }
        }
    }

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

        foreach (var key in _lengths.Keys)
        {
            if (key.JobId == jobId)
            {
                _lengths.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// The length of data source <paramref name="source"/> as job <paramref name="jobId"/> sees it: counted by
    /// <paramref name="count"/> for the job's first slice (slices arriving meanwhile wait for that count) and
    /// remembered until the job ends, so a SQL source is not counted once per slice.
    /// </summary>
    public async ValueTask<long> GetLengthAsync(string jobId, string source, Func<CancellationToken, ValueTask<long>> count, CancellationToken cancellationToken)
    {
        var key = (jobId, source);
        while (true)
        {
            var mine = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var known = _lengths.GetOrAdd(key, mine.Task);
            if (known != mine.Task)
            {
                try
                {
                    return await known.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The slice that was counting was cancelled, not this one: count again.
                    continue;
                }
            }

            RememberLength(key);
            try
            {
                var length = await count(cancellationToken).ConfigureAwait(false);
                mine.SetResult(length);
                return length;
            }
            catch (Exception ex)
            {
                // Not remembered: the next slice counts again.
                _lengths.TryRemove(new KeyValuePair<(string, string), Task<long>>(key, mine.Task));
                if (ex is OperationCanceledException)
                {
                    mine.SetCanceled(CancellationToken.None);
                }
                else
                {
                    mine.SetException(ex);
                    _ = mine.Task.Exception;
                }

                throw;
            }
        }
    }

    /// <summary>Jobs whose end never reached this worker must not grow the cache without bound: the oldest go first.</summary>
    private void RememberLength((string JobId, string Source) key)
    {
        _lengthsOrder.Enqueue(key);
        while (_lengthsOrder.Count > MaxLengths && _lengthsOrder.TryDequeue(out var oldest))
        {
            _lengths.TryRemove(oldest, out _);
        }
    }

    /// <summary>
    /// Tracks a running slice until the result is disposed; it is cancelled if its job ends or another copy of it
    /// answers meanwhile.
    /// </summary>
    public IDisposable Track(string jobId, int sliceIndex, CancellationTokenSource cancellation)
    {
        var slice = new RunningSlice(this, jobId, sliceIndex, cancellation);
        _running[slice] = 0;
        if (IsDone(jobId, sliceIndex))
        {
            slice.Cancel();
        }

        return slice;
    }

    private sealed class RunningSlice(JobTracker tracker, string jobId, int sliceIndex, CancellationTokenSource cancellation) : IDisposable
    {
        public string JobId => jobId;

        public int SliceIndex => sliceIndex;

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
