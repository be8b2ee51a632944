using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pymar.Hosting.Diagnostics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Pymar's health check.</summary>
public static class PymarHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="PymarHealthCheck"/>: unhealthy while the broker connection is down or the worker pool is not
    /// consuming.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    public static IHealthChecksBuilder AddPymar(this IHealthChecksBuilder builder, string name = "pymar", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, sp => ActivatorUtilities.CreateInstance<PymarHealthCheck>(sp), HealthStatus.Unhealthy, tags));
    }
}
