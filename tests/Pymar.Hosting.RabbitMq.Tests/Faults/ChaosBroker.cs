using Pymar.Hosting.TestSupport;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The disposable fault-test broker (<c>./deploy/rabbitmq/start-chaos.sh</c>): AMQP on 5673, AMQPS on 5674 with a
/// test CA. Its tests stop, restart and cut it, so they share one collection and run one at a time, and never touch
/// the main test broker. The tests fail, never skip, when it is not running. Tests in other test projects restart it
/// too: the collection holds <see cref="ChaosBrokerLock"/> while it runs.
/// </summary>
public sealed class ChaosBroker : IAsyncLifetime
{
    private ChaosBrokerLock? _lock;

    public const string Uri = "amqp://guest:guest@127.0.0.1:5673/";
    public const string TlsUri = "amqps://guest:guest@localhost:5674/";
    public const string CaCertificate = "/var/tmp/pymar-rabbitmq-chaos/tls/ca.pem";

    public async Task InitializeAsync()
    {
        _lock = await ChaosBrokerLock.AcquireAsync(TimeSpan.FromMinutes(5));
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = 5673, RequestedConnectionTimeout = TimeSpan.FromSeconds(10) };
        try
        {
            await using var connection = await factory.CreateConnectionAsync();
            await connection.CloseAsync();
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException("The fault-test broker does not answer on 127.0.0.1:5673: run ./deploy/rabbitmq/start-chaos.sh (./deploy/test.sh runs it).", ex);
        }
    }

    public Task DisposeAsync()
    {
        _lock?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs <c>deploy/rabbitmq/ctl-chaos.sh</c> with <paramref name="arguments"/> and fails on a non-zero exit.</summary>
    public static Task CtlAsync(params string[] arguments) =>
        BrokerFixture.CtlAsync(Path.Combine(Path.GetDirectoryName(ChildPrograms.Ctl)!, "ctl-chaos.sh"), arguments);
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosBroker>
{
    public const string Name = "chaos broker";
}
