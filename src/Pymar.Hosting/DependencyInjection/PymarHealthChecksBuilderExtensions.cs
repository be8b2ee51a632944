using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Pymar's health check.</summary>
public static class PymarHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds Pymar's health check: unhealthy while the broker connection is down or the worker pool is not
    /// consuming.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    public static IHealthChecksBuilder AddPymar(this IHealthChecksBuilder builder, string name = "pymar", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, static sp => new PymarHealthCheck(sp.GetRequiredService<IPymarTransport>(), sp.GetService<IWorkerPoolState>()), HealthStatus.Unhealthy, tags));
    }
}
