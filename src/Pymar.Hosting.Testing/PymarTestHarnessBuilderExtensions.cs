using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a host's jobs through an in-process broker for tests, on the <c>AddPymar</c> builder.</summary>
public static class PymarTestHarnessBuilderExtensions
{
    /// <summary>The name of the harness's transport (<c>Pymar:Transport</c> is set to it, whatever configuration says).</summary>
    public const string TransportName = "TestHarness";

    /// <summary>
    /// Sends this host's slices through a new <see cref="InProcessBroker"/> of its own, turns events on, and registers a
    /// <see cref="PymarTestHarness"/> whose recorder is subscribed when the host starts.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    public static IPymarBuilder UseTestHarness(this IPymarBuilder builder) => builder.UseTestHarness(new InProcessBroker());

    /// <summary>
    /// Like <see cref="UseTestHarness(IPymarBuilder)"/>, through <paramref name="sharedBroker"/>: give the same broker
    /// to several hosts of the test (a producer host and worker hosts) and their slices meet there.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="sharedBroker">The broker this host's slices travel through.</param>
    public static IPymarBuilder UseTestHarness(this IPymarBuilder builder, InProcessBroker sharedBroker)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sharedBroker);
        var services = builder.Services;
        builder.AddEvents();
        services.PostConfigure<PymarEventsOptions>(static o => o.Enabled = true);
        services.PostConfigure<PymarOptions>(static o => o.Transport = TransportName);
        services.RemoveAll<InProcessBroker>();
        services.AddSingleton(sharedBroker);
        services.AddSingleton(new Pymar.Hosting.Transport.TransportRegistration(TransportName, _ => sharedBroker.CreateTransport()));
        services.TryAddSingleton(static sp => new PymarTestHarness(sp.GetRequiredService<InProcessBroker>()));
        services.AddHostedService<HarnessSubscription>();
        return builder;
    }

    /// <summary>Subscribes the harness to the host's events while the host runs.</summary>
    private sealed class HarnessSubscription(PymarTestHarness harness, IPymarEventBus bus) : IHostedService
    {
        private IAsyncDisposable? _subscription;

        public async Task StartAsync(CancellationToken cancellationToken) =>
            _subscription = await bus.SubscribeAsync(harness.Handler, cancellationToken).ConfigureAwait(false);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
