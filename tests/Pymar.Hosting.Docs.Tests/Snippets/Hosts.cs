using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pymar.Hosting;
using RabbitMQ.Client;

namespace Pymar.Hosting.Docs.Tests.Snippets;

/// <summary>The host code of the pages, each block as a method.</summary>
public static class Hosts
{
    // README.md, docs/getting-started.md: register and map.
    public static async Task<double> RunReadmeJobAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddPymar(builder.Configuration)
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers();                                  // this host also computes slices; leave it out on a producer-only host
        using var host = builder.Build();
        await host.StartAsync();

        var client = host.Services.GetRequiredService<ProducerClient>();
        double answer = await client.MapAsync(new IntegrationProducer(), DataSourceFactory<double>.For<IntegrationDataSource>(),
            new MapOptions { SliceCount = 8, Timeout = TimeSpan.FromMinutes(1) });

        await host.StopAsync();
        return answer;
    }

    // docs/getting-started.md: a producer-only host on RabbitMQ.
    public static void ProducerOnOnRabbitMq(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .UseRabbitMq()                                  // the broker: Pymar:Broker:* in appsettings.json or the environment
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>();        // a producer-only host: no AddWorkers()
    }

    // docs/concepts.md: names.
    public static void RegisterUnderAName(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .AddProducer<IntegrationProducer>("integral")
            .AddDataSource<IntegrationDataSource>();
    }

    // docs/configuration.md: values in code.
    public static void ConfigureInCode(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers(o => o.Concurrency = 4);
    }

    // docs/rabbitmq.md: the transport and its events.
    public static void UseRabbitMq(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .UseRabbitMq()
            .UseRabbitMqEvents()                            // optional: job, slice and worker events for the dashboard
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers();
    }

    // docs/dashboard-and-telemetry.md: health.
    public static void AddHealth(HostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddPymar();
    }

    // docs/dashboard-and-telemetry.md: traces and metrics.
    public static void AddTelemetry(HostApplicationBuilder builder)
    {
        // dotnet add package OpenTelemetry.Extensions.Hosting
        // dotnet add package OpenTelemetry.Exporter.OpenTelemetryProtocol
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource("Pymar.Hosting").AddOtlpExporter())
            .WithMetrics(m => m.AddMeter("Pymar.Hosting").AddOtlpExporter());
    }

    // docs/dashboard-and-telemetry.md: how the trace context travels, with RabbitMQ.Client's spans.
    public static void AddTelemetryWithRabbitMqClient(HostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t
                .AddSource("Pymar.Hosting", RabbitMQActivitySource.PublisherSourceName, RabbitMQActivitySource.SubscriberSourceName)
                .AddOtlpExporter());
    }

    // docs/dashboard-and-telemetry.md: baggage set before MapAsync reaches the slices.
    public static async Task<double> MapWithBaggageAsync(ProducerClient client, string tenant)
    {
        Activity.Current?.AddBaggage("tenant", tenant);
        double answer = await client.MapAsync(new IntegrationProducer(), DataSourceFactory<double>.For<IntegrationDataSource>(),
            new MapOptions { SliceCount = 8 });
        return answer;
    }

    // docs/failures-and-guarantees.md: collecting failures.
    public static async Task<MapResult<double>> CollectFailuresAsync(ProducerClient client)
    {
        MapResult<double> result = await client.MapWithFailuresAsync(new IntegrationProducer(),
            DataSourceFactory<double>.For<IntegrationDataSource>(), new MapOptions { SliceCount = 8, RetryCount = 2 });
        if (!result.Succeeded)
        {
            foreach (var failure in result.Failures)
                Console.Error.WriteLine(failure);
        }

        return result;
    }
}
