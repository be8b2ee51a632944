using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard;

/// <summary>Subscribes the dashboard's state to the event bus while the host runs.</summary>
internal sealed class DashboardEventListener(IPymarEventBus bus, DashboardState state) : IHostedService, IAsyncDisposable
{
    private IAsyncDisposable? _subscription;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _subscription = await bus.SubscribeAsync(state, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
