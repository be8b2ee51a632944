using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting;
using Pymar.Hosting.Events;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Pymar's events (worker heartbeats, slice and job events) on the <c>AddPymar</c> builder.</summary>
public static class PymarEventsBuilderExtensions
{
    /// <summary>
    /// Publishes events about the work through the in-process event bus (a transport's <c>UseXEvents()</c> replaces
    /// it), with <see cref="PymarEventsOptions"/> bound from <c>Pymar:Events</c> and then <paramref name="configure"/>.
    /// Registers <see cref="IPymarEventPublisher"/> (a no-op when <c>Pymar:Events:Enabled</c> is false),
    /// <see cref="IPymarEventBus"/>, and the heartbeat of a worker that registers an <see cref="IPymarWorkerStatus"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="configure">Sets <see cref="PymarEventsOptions"/>; may be null.</param>
    public static IPymarBuilder AddEvents(this IPymarBuilder builder, Action<PymarEventsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PymarEventsOptions>();
        if (!services.Any(d => d.ServiceType == typeof(EventsMarker)))
        {
            options.BindConfiguration(PymarEventsOptions.SectionName);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(EventsMarker)))
        {
            return builder;
        }

        services.AddSingleton<EventsMarker>();
        services.TryAddSingleton<InProcessEventBus>();
        services.TryAddSingleton<IPymarEventBus>(static sp => sp.GetRequiredService<InProcessEventBus>());
        services.TryAddSingleton<ChannelEventPublisher>();
        services.RemoveAll<IPymarEventPublisher>();
        services.AddSingleton<IPymarEventPublisher>(static sp => sp.GetRequiredService<IOptions<PymarEventsOptions>>().Value.Enabled
            ? sp.GetRequiredService<ChannelEventPublisher>()
            : NullPymarEventPublisher.Instance);
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<IOptions<PymarEventsOptions>>().Value.Enabled
            ? ActivatorUtilities.CreateInstance<PymarEventPump>(sp)
            : new IdleService());
        services.AddHostedService<PymarHeartbeatService>();
        return builder;
    }

    /// <summary>Marks that <see cref="AddEvents"/> ran, so a second call only adds its configure.</summary>
    private sealed class EventsMarker;

    /// <summary>Stands in for the pump when events are off.</summary>
    private sealed class IdleService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
