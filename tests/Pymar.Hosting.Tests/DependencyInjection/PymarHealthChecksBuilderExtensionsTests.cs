using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.DependencyInjection;

public sealed class PymarHealthChecksBuilderExtensionsTests
{
    [Fact]
    public void TheRegistrationCarriesTheNameFailureStatusTagsAndTimeoutGiven()
    {
        using var host = TestHosts.Build(p => p.Services.AddHealthChecks()
            .AddPymar("broker", failureStatus: HealthStatus.Degraded, tags: ["ready"], timeout: TimeSpan.FromSeconds(3)));

        var registration = Assert.Single(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        Assert.Equal(
            ("broker", HealthStatus.Degraded, TimeSpan.FromSeconds(3)),
            (registration.Name, registration.FailureStatus, registration.Timeout));
        Assert.Equal(["ready"], registration.Tags);
    }

    [Fact]
    public void WithoutFailureStatusOrTimeoutTheCheckFailsAsUnhealthyAndHasNoTimeLimit()
    {
        using var host = TestHosts.Build(p => p.Services.AddHealthChecks().AddPymar());

        var registration = Assert.Single(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        Assert.Equal(
            ("pymar", HealthStatus.Unhealthy, Timeout.InfiniteTimeSpan),
            (registration.Name, registration.FailureStatus, registration.Timeout));
        Assert.Empty(registration.Tags);
    }

    [Fact]
    public async Task AWorkerHostThatIsNotConsumingReportsTheFailureStatusGiven()
    {
        using var host = TestHosts.Build(p =>
        {
            p.AddProducer<SumProducer>().AddWorkers(o => o.Concurrency = 1);
            p.Services.AddHealthChecks().AddPymar(failureStatus: HealthStatus.Degraded);
        });

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Degraded, report.Entries["pymar"].Status);
        Assert.Contains("not consuming", report.Entries["pymar"].Description, StringComparison.Ordinal);
    }
}
