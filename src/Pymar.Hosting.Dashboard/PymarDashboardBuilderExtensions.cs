using Microsoft.Extensions.DependencyInjection.Extensions;
using Pymar.Hosting;
using Pymar.Hosting.Dashboard;
using Pymar.Hosting.Dashboard.State;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the dashboard's services on the <c>AddPymar</c> builder; <c>app.MapPymarDashboard()</c> maps its page.</summary>
public static class PymarDashboardBuilderExtensions
{
    /// <summary>
    /// Reads Pymar's events (from the bus that <c>AddEvents()</c> or <c>UseRabbitMqEvents()</c> chose) into the dashboard's
    /// state, with <see cref="PymarDashboardOptions"/> bound from <c>Pymar:Dashboard</c> and then <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="configure">Sets <see cref="PymarDashboardOptions"/>; may be null.</param>
    public static IPymarBuilder AddDashboard(this IPymarBuilder builder, Action<PymarDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEvents();
        var options = builder.Services.AddOptions<PymarDashboardOptions>();
        if (!builder.Services.Any(d => d.ServiceType == typeof(DashboardState)))
        {
            options.BindConfiguration(PymarDashboardOptions.SectionName);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DashboardState>();
        if (!builder.Services.Any(d => d.ImplementationType == typeof(DashboardEventListener)))
        {
            builder.Services.AddHostedService<DashboardEventListener>();
        }

        return builder;
    }
}
