using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Pymar's health check.</summary>
public static class PymarHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds Pymar's health check: <paramref name="failureStatus"/> while the broker connection is down or the worker
    /// pool is not consuming, degraded while some worker slots are lost.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when the check fails or throws; null means <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <param name="timeout">How long the check may run before it counts as failed; null means no limit.</param>
    public static IHealthChecksBuilder AddPymar(
        this IHealthChecksBuilder builder,
        string name = "pymar",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new PymarHealthCheck(sp.GetRequiredService<IPymarTransport>(), sp.GetService<IWorkerPoolState>()),
            failureStatus,
            tags,
            timeout));
    }
}
