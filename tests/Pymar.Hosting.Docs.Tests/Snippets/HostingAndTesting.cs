// The blocks of docs/worker-hosts.md, docs/dashboard-and-telemetry.md and docs/testing.md.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;
using Pymar.Hosting.Testing;

namespace Pymar.Hosting.Docs.Tests.Snippets;

public static class PendingHosts
{
    // docs/worker-hosts.md: a worker host as a systemd or Windows service.
    public static async Task RunWorkerServiceAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args).UsePymarWorkerService();
        builder.Services.AddPymar(builder.Configuration)
            .UseRabbitMq()
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers();
        await builder.Build().RunAsync();
    }

    // docs/dashboard-and-telemetry.md: the dashboard in your own app.
    public static WebApplication MapDashboard(WebApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq().UseRabbitMqEvents().AddDashboard();
        var app = builder.Build();
        app.MapPymarDashboard("/pymar").RequireAuthorization("ops");
        return app;
    }
}

// docs/testing.md: the test harness.
public sealed class TestingSnippets
{
    [Fact]
    public async Task TheIntegralIsExact()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var cancellationToken = deadline.Token;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPymar(builder.Configuration)
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers()
            .UseTestHarness();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);

        var harness = host.Services.GetRequiredService<PymarTestHarness>();
        var client = host.Services.GetRequiredService<ProducerClient>();
        double answer = await client.MapAsync(new IntegrationProducer(), DataSourceFactory<double>.For<IntegrationDataSource>(),
            new MapOptions { SliceCount = 8 }, cancellationToken);

        Assert.Equal(22023.7365, answer, 4);
        await harness.WhenSlicesCompletedAsync(8, cancellationToken);
        Assert.Empty(harness.DeadLetters);
    }
}
