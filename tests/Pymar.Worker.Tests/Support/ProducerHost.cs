using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;

namespace Pymar.Worker.Tests.Support;

/// <summary>A producer-only host on the test broker under one queue prefix: it publishes jobs and has no workers.</summary>
internal static class ProducerHost
{
    public static Task<IHost> StartAsync(string queuePrefix, Action<IPymarBuilder> register, Action<IServiceCollection, IConfiguration>? configureServices = null) =>
        TestHost.StartAsync(
            TestHost.RabbitMqConfiguration(queuePrefix, fallBackToLocal: null),
            pymar => register(pymar.UseRabbitMq()),
            configureServices: configureServices);
}
