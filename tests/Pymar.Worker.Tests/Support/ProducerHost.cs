using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting;

namespace Pymar.Worker.Tests.Support;

/// <summary>A producer-only host on the test broker under one queue prefix: it publishes jobs and has no workers.</summary>
internal static class ProducerHost
{
    public static async Task<IHost> StartAsync(string queuePrefix, Action<IPymarBuilder> register, Action<IServiceCollection, IConfiguration>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pymar:Transport"] = "RabbitMq",
            ["Pymar:Broker:Uri"] = Broker.Uri,
            ["Pymar:Broker:QueuePrefix"] = queuePrefix,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        register(builder.Services.AddPymar(builder.Configuration).UseRabbitMq());
        configureServices?.Invoke(builder.Services, builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
