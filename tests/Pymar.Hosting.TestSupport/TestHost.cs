using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// A generic host in the test process with Pymar registered as a user's program would:
/// <c>AddPymar(configuration)</c>, then what the test registers. No defaults (no appsettings, no environment variables).
/// </summary>
public static class TestHost
{
    /// <summary>Builds and starts the host; the caller stops and disposes it (<see cref="StopAndDisposeAsync"/>).</summary>
    /// <param name="configuration">The <c>Pymar:…</c> keys, such as <see cref="RabbitMqConfiguration"/>.</param>
    /// <param name="configurePymar">What the host registers: producers, transport, workers.</param>
    /// <param name="logs">Captures every log line at <paramref name="minimumLevel"/> when given.</param>
    /// <param name="minimumLevel">The lowest level logged.</param>
    /// <param name="configureServices">Other services of the host.</param>
    public static async Task<IHost> StartAsync(
        IEnumerable<KeyValuePair<string, string?>> configuration,
        Action<IPymarBuilder> configurePymar,
        CapturedLogs? logs = null,
        LogLevel minimumLevel = LogLevel.Warning,
        Action<IServiceCollection, IConfiguration>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(configurePymar);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        if (logs is not null)
        {
            builder.Logging.ClearProviders().AddProvider(logs);
        }

        builder.Logging.SetMinimumLevel(minimumLevel);
        configurePymar(builder.Services.AddPymar(builder.Configuration));
        configureServices?.Invoke(builder.Services, builder.Configuration);
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    /// <summary>
    /// The keys that put a host on RabbitMQ at <paramref name="brokerUri"/> under <paramref name="queuePrefix"/>;
    /// <paramref name="fallBackToLocal"/> null leaves the fallback at its default.
    /// </summary>
    public static Dictionary<string, string?> RabbitMqConfiguration(string queuePrefix, string brokerUri = TestBroker.Uri, bool? fallBackToLocal = false)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Pymar:Transport"] = "RabbitMq",
            ["Pymar:Broker:Uri"] = brokerUri,
            ["Pymar:Broker:QueuePrefix"] = queuePrefix,
        };
        if (fallBackToLocal is { } fallBack)
        {
            configuration["Pymar:ComputeLocallyWhenUnreachable"] = fallBack ? "true" : "false";
        }

        return configuration;
    }

    /// <summary>Stops <paramref name="host"/> within <paramref name="deadline"/> (10 s by default), then disposes it.</summary>
    public static async Task StopAndDisposeAsync(this IHost host, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(10));
            await host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            if (host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
