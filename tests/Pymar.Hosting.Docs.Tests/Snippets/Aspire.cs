using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;

namespace Pymar.Hosting.Docs.Tests.Snippets;

/// <summary>
/// docs/aspire.md: the AppHost and the two apps' lines. Compiled, not run: an AppHost starts its RabbitMQ resource in a
/// container, and no container runtime is on the machines that test the docs.
/// </summary>
public static class AspireSnippets
{
    // docs/aspire.md: the AppHost's Program.cs.
    public static void AppHost(string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(args);

        var messaging = builder.AddRabbitMQ("messaging");   // a RabbitMQ container; apps get ConnectionStrings:messaging

        builder.AddProject<Projects.Producer>("producer")
            .WithReference(messaging)
            .WaitFor(messaging);

        builder.AddProject<Projects.Worker>("worker")
            .WithReference(messaging)
            .WaitFor(messaging)
            .WithReplicas(4);                               // four worker processes

        builder.Build().Run();
    }

    // docs/aspire.md: the producer's Program.cs, on the connection Aspire.RabbitMQ.Client registers.
    public static void Producer(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRabbitMQClient("messaging");             // Aspire.RabbitMQ.Client: an IConnection, health check, traces
        builder.Services.AddPymar(builder.Configuration)
            .UseRabbitMq(o => o.UseConnectionFromServices = true)
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>();
    }

    // docs/aspire.md: the worker's Program.cs, with a connection of Pymar's own to the same broker.
    public static void Worker(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddPymar(builder.Configuration)
            .UseRabbitMq(o => o.ConnectionName = "messaging")   // reads ConnectionStrings:messaging
            .AddProducer<IntegrationProducer>()
            .AddDataSource<IntegrationDataSource>()
            .AddWorkers();
        builder.Build().Run();
    }
}
