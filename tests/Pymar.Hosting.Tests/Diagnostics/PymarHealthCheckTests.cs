using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Diagnostics;

public sealed class PymarHealthCheckTests
{
    [Fact]
    public async Task AWorkerHostIsHealthyOnlyWhileItsPoolConsumes()
    {
        using var host = TestHosts.Build(p =>
        {
            p.AddProducer<SumProducer>().AddWorkers(o => o.Concurrency = 1);
            p.Services.AddHealthChecks().AddPymar();
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var beforeStart = await health.CheckHealthAsync();
        await host.StartAsync();
        await host.Services.GetRequiredService<Pymar.Hosting.Workers.WorkerService>().Consuming.WaitAsync(TimeSpan.FromSeconds(10));
        var running = await health.CheckHealthAsync();
        await host.StopAsync();
        var stopped = await health.CheckHealthAsync();

        Assert.Equal(
            (HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Unhealthy),
            (beforeStart.Status, running.Status, stopped.Status));
        Assert.Contains("not consuming", stopped.Entries["pymar"].Description, StringComparison.Ordinal);
    }
}
