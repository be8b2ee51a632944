using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Systemd;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Systemd;

/// <summary>
/// systemd's notifier, holding back READY=1 until the worker pool consumes its queues. systemd's lifetime sends
/// READY=1 as soon as the host has started, while the pool may still be connecting to the broker; with this, "ready"
/// means "taking slices". A host without a worker pool is ready when started. Once STOPPING=1 is sent, a late
/// READY=1 is dropped.
/// </summary>
internal sealed class ReadyWhenConsumingNotifier(IServiceProvider services) : ISystemdNotifier
{
    private readonly SystemdNotifier _inner = new();
    private readonly Lock _lock = new();
    private bool _stopping;

    public bool IsEnabled => _inner.IsEnabled;

    public void Notify(ServiceState state)
    {
        if (state.ToString() == ServiceState.Ready.ToString() && services.GetService<WorkerService>() is { } workers)
        {
            _ = workers.Consuming.ContinueWith(_ => Send(state), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            return;
        }

        lock (_lock)
        {
            _stopping |= state.ToString() == ServiceState.Stopping.ToString();
            _inner.Notify(state);
        }
    }

    private void Send(ServiceState ready)
    {
        lock (_lock)
        {
            if (!_stopping)
            {
                _inner.Notify(ready);
            }
        }
    }
}
