namespace Pymar.Hosting;

/// <summary>
/// The non-generic base of every producer. Derive from <see cref="Producer{TItem, TValue}"/> instead.
/// </summary>
public abstract class Producer
{
    private protected Producer()
    {
    }

    /// <summary>
    /// How many slices a job is cut into when the call does not say (Pymar's <c>WORKERS_NUMBER</c>); any positive
    /// number gives the same answer. Defaults to 0, which means <see cref="SliceCount.Auto"/>: each job is sized to
    /// the worker slots live when it starts.
    /// </summary>
    public virtual int DefaultSliceCount => 0;

    /// <summary>
    /// How many times a slice that failed on a worker is tried again before its job fails, when the call does not
    /// say. Defaults to 0: a slice whose code throws usually throws again.
    /// </summary>
    public virtual int DefaultRetryCount => 0;
}
