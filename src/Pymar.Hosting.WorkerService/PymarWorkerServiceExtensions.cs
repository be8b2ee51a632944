using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting.WindowsServices;
using Pymar.Hosting.Systemd;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Runs a worker host as a service: <c>builder.Services.AddPymarWorkerService()</c> next to
/// <c>AddPymar(...).AddWorkers()</c>, as <c>pymar-worker</c> does.
/// </summary>
public static class PymarWorkerServiceExtensions
{
    private const string NotifySocket = "NOTIFY_SOCKET";

    /// <summary>
    /// Lets the host run as a systemd service (<c>Type=notify</c>) or a Windows service, and as a console program
    /// otherwise: each integration is a no-op unless the process runs under it. Under systemd, READY=1 is sent once
    /// the worker pool consumes its queues (not merely when the host has started), STOPPING=1 when it stops, and
    /// SIGTERM stops the host, so the pool drains its running slices as on Ctrl+C.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="serviceName">The name under the Windows service manager; defaults to the application name.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddPymarWorkerService(this IServiceCollection services, string? serviceName = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Before AddSystemd, which only adds its own notifier when none is registered.
        services.TryAddSingleton<ISystemdNotifier, ReadyWhenConsumingNotifier>();
        services.AddSystemd();
        if (!OperatingSystem.IsWindows() && !SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocket)))
        {
            // systemd set a notify socket, but our parent is not systemd itself (ExecStart through a shell or a
            // wrapper script, dotnet run): notify anyway, or systemd would wait for READY=1 until its start timeout.
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        services.AddWindowsService(options =>
        {
            if (serviceName is not null)
            {
                options.ServiceName = serviceName;
            }
        });
        return services;
    }

    /// <summary>
    /// <see cref="AddPymarWorkerService(IServiceCollection, string?)"/> on a host builder:
    /// <c>Host.CreateApplicationBuilder(args).UsePymarWorkerService()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder's type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <param name="serviceName">The name under the Windows service manager; defaults to the application name.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TBuilder UsePymarWorkerService<TBuilder>(this TBuilder builder, string? serviceName = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPymarWorkerService(serviceName ?? builder.Environment.ApplicationName);
        return builder;
    }
}
