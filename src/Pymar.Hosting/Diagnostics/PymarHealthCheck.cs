using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Diagnostics;

/// <summary>
/// Healthy when the transport is connected to its broker and, on a worker host, the worker pool is consuming; else
/// the registration's failure status. Register it with <c>services.AddHealthChecks().AddPymar()</c>.
/// </summary>
internal sealed class PymarHealthCheck(IPymarTransport transport, IWorkerPoolState? workers) : IHealthCheck
{
    private readonly IPymarTransport _transport = transport;
    private readonly IWorkerPoolState? _workers = workers;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["transport"] = _transport.Description,
            ["connected"] = _transport.IsConnected,
        };
        if (_workers is not null)
        {
            data["consuming"] = _workers.IsConsuming;
            data["completedSlices"] = _workers.CompletedSlices;
            data["lostSlots"] = _workers.LostSlots;
        }

        if (!_transport.IsConnected)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"Not connected: {_transport.Description}.", data: data));
        }

        if (_workers is { IsConsuming: false })
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"The worker pool is not consuming from {_transport.Description}.", data: data));
        }

        if (_workers is { LostSlots: > 0 } pool)
        {
            var message = $"{pool.LostSlots} of {pool.Concurrency} worker slot(s) lost to slices that ignored their cancellation.";
            return Task.FromResult(pool.LostSlots >= pool.Concurrency ? new HealthCheckResult(context.Registration.FailureStatus, message, data: data) : HealthCheckResult.Degraded(message, data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"Connected: {_transport.Description}.", data));
    }
}
