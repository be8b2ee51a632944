using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>
/// The local RabbitMQ broker the tests run against (started by <c>./deploy/rabbitmq/start-local.sh</c>). It fails
/// every test of the collection, never skips them, when no broker accepts an AMQP connection on 127.0.0.1:5672.
/// Its own connection inspects and deletes the tests' queues.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    /// <summary>The broker as the programs under test are given it.</summary>
    public const string Uri = TestBroker.Uri;

    private static readonly TimeSpan s_ctlDeadline = TimeSpan.FromSeconds(90);
    private IConnection? _connection;

    private IConnection Connection => _connection ?? throw new InvalidOperationException("The broker fixture is not initialized.");

    public async Task InitializeAsync() => _connection = await TestBroker.ConnectAsync("pymar integration tests");

    public async Task DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.CloseAsync();
            connection.Dispose();
        }
    }

    /// <summary>A fresh queue prefix and process set for one test.</summary>
    public BrokerScope NewScope() => new(this);

    /// <summary>The ready messages of <paramref name="queue"/> by passive declare, or null when it does not exist.</summary>
    public async Task<uint?> ReadyMessagesAsync(string queue) => (await TestBroker.InspectQueueAsync(Connection, queue))?.MessageCount;

    /// <summary>Deletes <paramref name="queue"/> if it exists and belongs to nobody.</summary>
    public Task DeleteQueueAsync(string queue) =>
        TestBroker.DeleteAsync(Connection, channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false));

    /// <summary>Deletes <paramref name="exchange"/> if it exists.</summary>
    public Task DeleteExchangeAsync(string exchange) =>
        TestBroker.DeleteAsync(Connection, channel => channel.ExchangeDeleteAsync(exchange, ifUnused: false));

    /// <summary>The names of every queue on the broker, from <c>deploy/rabbitmq/ctl.sh list_queues</c>.</summary>
    public static async Task<IReadOnlyList<string>> ListQueuesAsync() =>
        [.. (await CtlAsync(ChildPrograms.Ctl, "-q", "list_queues", "--no-table-headers", "name")).Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>Runs a rabbitmqctl wrapper (<c>deploy/rabbitmq/ctl.sh</c> or <c>ctl-chaos.sh</c>) and returns its stdout; fails on a non-zero exit.</summary>
    public static async Task<IReadOnlyList<string>> CtlAsync(string script, params string[] arguments)
    {
        await using var ctl = ChildProcess.Start(Path.GetFileName(script) + " " + arguments.FirstOrDefault(a => !a.StartsWith('-')), script, arguments, new() { ScrubEnvironment = false });
        var code = await ctl.WaitForExitAsync(s_ctlDeadline);
        Assert.True(code == 0, $"{script} {string.Join(' ', arguments)} failed.\n{ctl.Describe()}");
        return ctl.Output;
    }
}
