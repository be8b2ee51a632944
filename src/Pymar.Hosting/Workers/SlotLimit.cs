namespace Pymar.Hosting.Workers;

/// <summary>
/// How many of a pool's slots serve now. The pool runs one runner per slot up to its maximum; runner <c>i</c> takes
/// slices while <c>i</c> is below <see cref="Current"/> and waits otherwise, so lowering it lets running slices finish
/// and releases their slots afterwards, and raising it wakes the waiting runners.
/// </summary>
internal sealed class SlotLimit(int slots)
{
    private int _current = slots;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The slots that serve now.</summary>
    public int Current => Volatile.Read(ref _current);

    /// <summary>Sets the slots that serve and wakes the runners waiting for theirs.</summary>
    public void Set(int slots)
    {
        Volatile.Write(ref _current, slots);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Returns once slot <paramref name="slot"/> (0-based) serves.</summary>
    public async ValueTask WaitServingAsync(int slot, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read before the check: a Set after the check completes this one.
            var changed = Volatile.Read(ref _changed);
            if (slot < Current)
            {
                return;
            }

            await changed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
