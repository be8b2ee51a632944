using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary><c>UseRabbitMq</c> binds <c>Pymar:Broker</c> from the host's configuration once, and code settings win over it.</summary>
public sealed class PymarRabbitMqBuilderExtensionsTests
{
    [Fact]
    public void CallingUseRabbitMqTwiceBindsTheHostsOnceAndTheCodeSettingsWin()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pymar:Broker:Hosts:0"] = "node1",
            ["Pymar:Broker:Hosts:1"] = "node2:5680",
            ["Pymar:Broker:Heartbeat"] = "00:00:07",
            ["Pymar:Broker:QueuePrefix"] = "from-configuration.",
        });
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq().UseRabbitMq(o => o.QueuePrefix = "from-code.");
        using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;

        Assert.Equal(["node1", "node2:5680"], options.Hosts);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Heartbeat);
        Assert.Equal("from-code.", options.QueuePrefix);
        Assert.Single(services.GetServices<RabbitMqTransport>());
    }
}
