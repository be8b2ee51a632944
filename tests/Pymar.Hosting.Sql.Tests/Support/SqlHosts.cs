using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Pymar.Hosting.Sql.Tests.Support;

/// <summary>
/// Generic hosts with Pymar registered as a user's program would, on the in-process transport or on the local
/// RabbitMQ broker (127.0.0.1:5672, guest) with a queue prefix of their own.
/// </summary>
internal static class SqlHosts
{
    /// <summary>The name the tests register their database under.</summary>
    public const string DatabaseName = "Test";

    public static async Task<IHost> StartAsync(
        Action<IPymarBuilder> configurePymar,
        IDictionary<string, string?>? configuration = null,
        BrokerQueues? broker = null,
        bool workers = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        if (broker is not null)
        {
            builder.Configuration.AddInMemoryCollection(broker.Configuration);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var pymar = builder.Services.AddPymar(builder.Configuration);
        if (broker is not null)
        {
            pymar.UseRabbitMq();
        }

        configurePymar(pymar);
        if (workers)
        {
            pymar.AddWorkers(options => options.Concurrency = 2);
        }

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

/// <summary>A queue prefix of one test on the local broker; disposing deletes what the test's hosts declared.</summary>
internal sealed class BrokerQueues : IAsyncDisposable
{
    private readonly string[] _producers;

    public BrokerQueues(params string[] producers)
    {
        _producers = producers;
        Prefix = "pymar.t" + Guid.NewGuid().ToString("N") + ".";
    }

    public string Prefix { get; }

    public Dictionary<string, string?> Configuration => new()
    {
        ["Pymar:Transport"] = "RabbitMq",
        ["Pymar:Broker:QueuePrefix"] = Prefix,
    };

    public async ValueTask DisposeAsync()
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = 5672, UserName = "guest", Password = "guest", ClientProvidedName = "pymar sql tests cleanup" };
        await using var connection = await factory.CreateConnectionAsync();
        foreach (var queue in _producers.Select(p => Prefix + p).Append(Prefix + "dead-letter"))
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeleteAsync(Prefix + "control", ifUnused: false);
        }

        await connection.CloseAsync();
    }
}
