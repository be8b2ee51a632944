namespace Pymar.Hosting.Events;

/// <summary>The event bus inside one process (the default): every subscriber's handler is called in turn.</summary>
internal sealed class InProcessEventBus : IPymarEventBus
{
    private readonly Lock _lock = new();
    private IPymarEventHandler[] _handlers = [];

    public ValueTask PublishAsync(PymarEvent pymarEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pymarEvent);
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler.OnEvent(pymarEvent);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask PublishBatchAsync(IReadOnlyList<PymarEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var handlers = Volatile.Read(ref _handlers);
        for (var i = 0; i < events.Count; i++)
        {
            foreach (var handler in handlers)
            {
                handler.OnEvent(events[i]);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(IPymarEventHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _handlers = [.. _handlers, handler];
        }

        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(this, handler));
    }

    private void Remove(IPymarEventHandler handler)
    {
        lock (_lock)
        {
            _handlers = [.. _handlers.Where(h => !ReferenceEquals(h, handler))];
        }
    }

    private sealed class Subscription(InProcessEventBus bus, IPymarEventHandler handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            bus.Remove(handler);
            return ValueTask.CompletedTask;
        }
    }
}
