using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>
/// A producer-only generic host in the test process, built as a user's program would be:
/// <c>AddPymar(configuration).AddExamples().UseRabbitMq()</c>, with its logs captured. Disposing it stops the host
/// and disposes its <see cref="ProducerClient"/> (which deletes its reply queue) and the transport.
/// </summary>
public sealed class ProducerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ProducerHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ProducerClient Client => _host.Services.GetRequiredService<ProducerClient>();

    public static async Task<ProducerHost> StartAsync(IDictionary<string, string?> configuration, CapturedLogs logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddPymar(builder.Configuration).AddExamples().UseRabbitMq();
        var host = builder.Build();
        await host.StartAsync();
        return new ProducerHost(host);
    }

    /// <summary>Runs one of <see cref="Examples.All"/> and returns its formatted answer.</summary>
    public Task<string> RunExampleAsync(string example, MapOptions options) =>
        (Examples.Examples.Find(example) ?? throw new ArgumentException($"No example '{example}'.", nameof(example)))
            .Run(Client, Services, options, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            if (_host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                _host.Dispose();
            }
        }
    }
}
