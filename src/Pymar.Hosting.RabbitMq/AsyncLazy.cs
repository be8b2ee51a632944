namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A value created on first use by one shared asynchronous call. A creation that failed or was cancelled is started
/// again by the next caller (a broker that was down at first is reached later); a caller's token cancels only its
/// own wait.
/// </summary>
internal sealed class AsyncLazy<T>(Func<Task<T>> create)
    where T : class
{
    private Lazy<Task<T>> _value = new(create);

    /// <summary>The value if it has been created, without creating it.</summary>
    public T? ValueOrDefault
    {
        get
        {
            var value = Volatile.Read(ref _value);
            return value.IsValueCreated && value.Value.IsCompletedSuccessfully ? value.Value.Result : null;
        }
    }

    /// <summary>
    /// Drops <paramref name="stale"/> if it is still the value, so that the next caller creates a new one; true when
    /// this call dropped it (and so owns disposing it).
    /// </summary>
    public bool Reset(T stale)
    {
        var value = Volatile.Read(ref _value);
        return value.IsValueCreated && value.Value.IsCompletedSuccessfully && ReferenceEquals(value.Value.Result, stale)
            && ReferenceEquals(Interlocked.CompareExchange(ref _value, new Lazy<Task<T>>(create), value), value);
    }

    public Task<T> GetAsync(CancellationToken cancellationToken)
    {
        var value = Volatile.Read(ref _value);
        if (value.Value is { IsFaulted: true } or { IsCanceled: true })
        {
            Interlocked.CompareExchange(ref _value, new Lazy<Task<T>>(create), value);
            value = Volatile.Read(ref _value);
        }

        return value.Value.WaitAsync(cancellationToken);
    }
}
