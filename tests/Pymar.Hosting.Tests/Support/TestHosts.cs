using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Tests.Support;

/// <summary>Builds generic hosts with Pymar registered, the way a user's program would.</summary>
internal static class TestHosts
{
    public static IHost Build(Action<IPymarBuilder> configurePymar, IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configurePymar(builder.Services.AddPymar(builder.Configuration));
        return builder.Build();
    }

    public static async Task<IHost> StartAsync(Action<IPymarBuilder> configurePymar, IDictionary<string, string?>? configuration = null)
    {
        var host = Build(configurePymar, configuration);
        await host.StartAsync();
        return host;
    }
}
