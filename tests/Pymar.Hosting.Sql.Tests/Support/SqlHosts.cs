using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pymar.Hosting.Sql.Tests.Support;

/// <summary>
/// Generic hosts with Pymar registered as a user's program would, on the in-process transport or on the local
/// RabbitMQ broker (127.0.0.1:5672, guest) with a queue prefix of their own.
/// </summary>
internal static class SqlHosts
{
    /// <summary>The name the tests register their database under.</summary>
    public const string DatabaseName = "Test";

    public static Task<IHost> StartAsync(
        Action<IPymarBuilder> configurePymar,
        IDictionary<string, string?>? configuration = null,
        BrokerQueues? broker = null,
        bool workers = true) =>
        TestHost.StartAsync(
            (configuration ?? new Dictionary<string, string?>()).Concat(broker?.Configuration ?? []),
            pymar =>
            {
                if (broker is not null)
                {
                    pymar.UseRabbitMq();
                }

                configurePymar(pymar);
                if (workers)
                {
                    pymar.AddWorkers(options => options.Concurrency = 2);
                }
            });
}

/// <summary>A queue prefix of one test on the local broker; disposing deletes what the test's hosts declared.</summary>
internal sealed class BrokerQueues(params string[] producers) : IAsyncDisposable
{
    public string Prefix { get; } = TestBroker.NewQueuePrefix();

    public Dictionary<string, string?> Configuration => new()
    {
        ["Pymar:Transport"] = "RabbitMq",
        ["Pymar:Broker:QueuePrefix"] = Prefix,
    };

    public async ValueTask DisposeAsync() => await TestBroker.DeleteQueuesAsync(Prefix, producers);
}
