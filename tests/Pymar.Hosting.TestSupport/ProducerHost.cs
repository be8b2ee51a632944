using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// A producer-only generic host on RabbitMQ in the test process, built as a user's program would be:
/// <c>AddPymar(configuration)</c>, what the test registers, then <c>UseRabbitMq()</c>; it publishes jobs and has no
/// workers. Disposing it stops the host and disposes its <see cref="ProducerClient"/> (which deletes its reply queue)
/// and the transport.
/// </summary>
public sealed class ProducerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ProducerHost(IHost host) => _host = host;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The host's producer client.</summary>
    public ProducerClient Client => _host.Services.GetRequiredService<ProducerClient>();

    /// <summary>Starts a host with <paramref name="configuration"/> (<c>Pymar:…</c> keys), logging at Debug into <paramref name="logs"/> when given.</summary>
    public static async Task<ProducerHost> StartAsync(
        IEnumerable<KeyValuePair<string, string?>> configuration,
        Action<IPymarBuilder> register,
        CapturedLogs? logs = null,
        Action<IServiceCollection, IConfiguration>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(register);
        return new(await TestHost.StartAsync(configuration, pymar => register(pymar.UseRabbitMq()), logs, LogLevel.Debug, configureServices).ConfigureAwait(false));
    }

    /// <summary>Starts a host on the test broker under <paramref name="queuePrefix"/>, with the fallback to local computing at its default.</summary>
    public static Task<ProducerHost> StartAsync(string queuePrefix, Action<IPymarBuilder> register, Action<IServiceCollection, IConfiguration>? configureServices = null) =>
        StartAsync(TestHost.RabbitMqConfiguration(queuePrefix, fallBackToLocal: null), register, configureServices: configureServices);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _host.StopAndDisposeAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
}
