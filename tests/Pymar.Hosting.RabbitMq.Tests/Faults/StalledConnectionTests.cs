extern alias examples;

using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The producer's connection stalls while a large job publishes (the broker stops reading it, as it does with a
/// blocked connection), then the broker closes it: the producer reconnects, publishes what was not confirmed, and the
/// answer is exact. RabbitMQ.Client 7 can hang here for good: its reader waits to write the close-ok behind the
/// stalled frames, and the channel's shutdown waits for a publish that waits for the dead socket writer.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class StalledConnectionTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Squares = "SquaredSumProducer";
    private readonly BrokerScope _scope = broker.NewScope();
    private Func<ValueTask>? _dispose;
    private CapturedLogs? _logs;

    [Fact]
    public async Task AConnectionCutWhileItsPublishesAreStalledRecoversAndTheJobIsExact()
    {
        await _scope.StartWorkerAsync("worker", concurrency: 4);
        await using var proxy = new StallingProxy(5672);
        var logs = new CapturedLogs();
        var configuration = _scope.Configuration($"amqp://guest:guest@127.0.0.1:{proxy.Port}/");

        // The broker hears nothing from a stalled client, heartbeats included: with the default heartbeat it would drop
        // the connection itself within seconds. This test closes it while the publishes are stalled.
        configuration["Pymar:Broker:Heartbeat"] = "00:01:00";
        var host = await ExampleHosts.StartAsync(configuration, logs);
        _dispose = host.DisposeAsync;
        _logs = logs;
        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline }));

        // The proxy stops reading the producer: the job's publishes pile up in the client until the socket's buffers
        // are full. Then the broker closes the connection.
        proxy.Stall();
        var job = host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 20_000, Timeout = BrokerScope.JobDeadline });
        await Eventually.HoldsAsync(() => proxy.Unread > 48 * 1024 || job.IsCompleted, BrokerScope.JobDeadline, "the producer's publishes to pile up unread");
        Assert.False(job.IsCompleted, $"The job ended before its publishes stalled ({job.Exception?.InnerException?.Message ?? "answered"}, {proxy.Unread} bytes unread).");
        var port = Assert.Single(proxy.BrokerSidePorts);
        var listed = await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "list_connections", "--quiet", "--no-table-headers", "pid", "name");
        var connection = listed.Select(l => l.Split('\t')).SingleOrDefault(f => f.Length == 2 && f[1].Trim().StartsWith($"127.0.0.1:{port} ->", StringComparison.Ordinal));
        Assert.True(connection is not null, $"The broker lists no connection from the proxy's port {port}:\n{string.Join('\n', listed)}");
        var pid = connection[0].Trim();
        await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "close_connection", pid, "pymar stalled connection test");

        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await job);
        await host.DisposeAsync();
        _dispose = null;
        Assert.Contains(logs.Lines, l => l.Contains("Lost the connection to RabbitMQ", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("Recovered the connection to RabbitMQ", StringComparison.Ordinal));
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(Squares);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        output.WriteLine(string.Join('\n', _logs?.Lines.Where(l => !l.Contains("dbug", StringComparison.Ordinal)).TakeLast(60) ?? []));
        if (_dispose is not null)
        {
            await _dispose();
        }

        await _scope.DisposeAsync();
    }
}
