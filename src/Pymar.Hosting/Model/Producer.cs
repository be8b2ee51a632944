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
    /// How many slices a job is cut into when the call does not say (Pymar's <c>WORKERS_NUMBER</c>). Best equal to
    /// the number of worker slots; any positive number gives the same answer. Defaults to 4.
    /// </summary>
    public virtual int DefaultSliceCount => 4;

    /// <summary>
    /// How many times a slice that failed on a worker is tried again before its job fails, when the call does not
    /// say. Defaults to 0: a slice whose code throws usually throws again.
    /// </summary>
    public virtual int DefaultRetryCount => 0;
}
