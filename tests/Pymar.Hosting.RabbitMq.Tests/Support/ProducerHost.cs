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

    public static async Task<ProducerHost> StartAsync(IDictionary<string, string?> configuration, CapturedLogs logs) =>
        new(await TestHost.StartAsync(configuration, pymar => pymar.AddExamples().UseRabbitMq(), logs, LogLevel.Debug));

    /// <summary>Runs one of <see cref="Examples.All"/> and returns its formatted answer.</summary>
    public Task<string> RunExampleAsync(string example, MapOptions options) =>
        (Examples.Examples.Find(example) ?? throw new ArgumentException($"No example '{example}'.", nameof(example)))
            .Run(Client, Services, options, CancellationToken.None);

    public async ValueTask DisposeAsync() => await _host.StopAndDisposeAsync(Timeout.InfiniteTimeSpan);
}
