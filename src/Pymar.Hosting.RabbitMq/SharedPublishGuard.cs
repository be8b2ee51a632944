namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// The token a publish carries: the caller's token joined with <see cref="RabbitMqConnection.WhileOpen"/>, so that a
/// publish waiting on a connection seen closed is cut off. The publishes that come with the same caller's token while
/// the connection's token stays the same (a job's slices) share one linked source, instead of making and disposing
/// one each. A source is disposed once another has taken its place and its last publish has finished.
/// </summary>
internal sealed class SharedPublishGuard(Func<CancellationToken> whileOpen) : IDisposable
{
    private readonly Lock _lock = new();
    private Entry? _current;

    /// <summary>The guard for one publish; dispose it when the publish has finished.</summary>
    public Lease Enter(CancellationToken cancellationToken)
    {
        var open = whileOpen();
        Entry? replaced;
        Entry entry;
        lock (_lock)
        {
            if (_current is { } current && current.Caller == cancellationToken && current.WhileOpen == open)
            {
                current.Users++;
                return new Lease(this, current);
            }

            replaced = _current is { Users: 0 } idle ? idle : null;
            if (_current is not null)
            {
                _current.Replaced = true;
            }

            entry = new Entry(cancellationToken, open) { Users = 1 };
            _current = entry;
        }

        replaced?.Source.Dispose();
        return new Lease(this, entry);
    }

    /// <summary>Disposes the current source (the transport is going away).</summary>
    public void Dispose()
    {
        Entry? idle;
        lock (_lock)
        {
            idle = _current is { Users: 0 } current ? current : null;
            if (_current is not null)
            {
                _current.Replaced = true;
            }

            _current = null;
        }

        idle?.Source.Dispose();
    }

    private void Leave(Entry entry)
    {
        lock (_lock)
        {
            if (--entry.Users > 0 || !entry.Replaced)
            {
                return;
            }
        }

        entry.Source.Dispose();
    }

    /// <summary>One publish's hold on a shared source.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly SharedPublishGuard _owner;
        private readonly Entry _entry;

        internal Lease(SharedPublishGuard owner, Entry entry)
        {
            _owner = owner;
            _entry = entry;
        }

        /// <summary>Cancelled when the caller's token is, or when the connection is seen closed.</summary>
        public CancellationToken Token => _entry.Source.Token;

        public void Dispose() => _owner?.Leave(_entry);
    }

    internal sealed class Entry(CancellationToken caller, CancellationToken whileOpen)
    {
        public CancellationToken Caller { get; } = caller;

        public CancellationToken WhileOpen { get; } = whileOpen;

        public CancellationTokenSource Source { get; } = CancellationTokenSource.CreateLinkedTokenSource(caller, whileOpen);

        /// <summary>Publishes holding the source; guarded by the owner's lock.</summary>
        public int Users { get; set; }

        /// <summary>Another source took its place: disposed when its last publish leaves. Guarded by the owner's lock.</summary>
        public bool Replaced { get; set; }
    }
}
