extern alias examples;

using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using examples::Pymar.Examples;
using examples::Pymar.Examples.SquaredSum;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// A consuming channel the broker closed (a slice outlived its <c>consumer_timeout</c>) is replaced by the worker, and
/// the closed one stays closed: a later connection recovery does not bring it back with its consumers, so the worker
/// holds its budget on one channel, and no consumer is left after it stops.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ReplacedConsumerChannelTests : IAsyncLifetime
{
    private const int Slots = 2;

    // Slots + Pymar:Broker:PrefetchLookahead (2 by default).
    private const int Budget = Slots + 2;

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);
    private readonly string _prefix = $"pymar.t{Guid.NewGuid():N}.";
    private readonly List<IHost> _hosts = [];

    [Fact]
    public async Task AChannelTheBrokerClosedIsNotRevivedByTheNextConnectionRecoveryAndTheWorkerHoldsOnlyItsBudget()
    {
        // The fault-test broker has consumer_timeout = 10 s, checked every second (deploy/rabbitmq/start-chaos.sh).
        var logs = new CapturedLogs();
        var worker = await StartHostAsync(logs, workers: Slots);
        var producer = await StartHostAsync(logs, workers: 0);
        var client = producer.Services.GetRequiredService<ProducerClient>();
        var answer = await client.MapAsync(new OutlivingSquaredSumProducer(logs), DataSourceFactory<long>.For<RangeDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline });
        Assert.Equal(PymarExamples.SquaredSumAnswer, answer.ToString(CultureInfo.InvariantCulture));
        await Eventually.HoldsAsync(() => logs.Lines.Any(l => l.Contains("Reopened the consuming channel", StringComparison.Ordinal)), s_deadline, "the worker to reopen its consuming channel");

        // Only this test's connections: the hosts of this process on the fault-test broker (its tests run one at a time).
        var recovered = logs.Lines.Count(IsRecovered);
        var closed = await CloseOwnConnectionsAsync();
        Assert.True(closed >= 2, $"closed {closed} connection(s) of this process; expected the worker's and the producer's");
        await Eventually.HoldsAsync(() => logs.Lines.Count(IsRecovered) >= recovered + closed, s_deadline, "both hosts to recover their connection");

        // One consuming channel, with at most the budget as prefetch, and it stays so.
        var consumers = await Eventually.ReadAsync(ConsumersAsync, c => c.Count > 0, s_deadline, "the worker to consume again", TimeSpan.FromMilliseconds(200));
        Assert.True(consumers.Count == 1, $"The worker consumes on {consumers.Count} channels after the recovery: {Show(consumers)}.\n{logs.All}");
        Assert.True(consumers.Values.Single() <= Budget, $"The worker's consumers have a prefetch of {consumers.Values.Single()} in all, over its budget {Budget}.");

        // The worker still serves jobs, and after it stops no consumer of it is left.
        Assert.Equal(PymarExamples.WordCountAnswer, await PymarExamples.Find("word-count")!.Run(client, producer.Services, new MapOptions { Timeout = s_deadline }, CancellationToken.None));
        await worker.StopAndDisposeAsync();
        _hosts.Remove(worker);
        await Eventually.ReadAsync(ConsumersAsync, c => c.Count == 0, TimeSpan.FromSeconds(15), "no consumer of this test to be left", TimeSpan.FromMilliseconds(200));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }
    }

    private static bool IsRecovered(string line) => line.Contains("Recovered the connection to RabbitMQ", StringComparison.Ordinal);

    private static string Show(Dictionary<string, int> consumers) => string.Join(", ", consumers.Select(c => $"{c.Key}: prefetch {c.Value}"));

    /// <summary>Closes the connections this test process opened to the fault-test broker (by their client-provided name); returns how many.</summary>
    private static async Task<int> CloseOwnConnectionsAsync()
    {
        var name = $"pymar {Environment.MachineName}/{Environment.ProcessId}";
        var pids = (await ChaosCtlAsync("-q", "list_connections", "--no-table-headers", "pid", "client_properties"))
            .Where(l => l.Contains('"' + name + '"', StringComparison.Ordinal))
            .Select(l => l.Split('\t', StringSplitOptions.TrimEntries)[0])
            .ToList();
        foreach (var pid in pids)
        {
            await ChaosBroker.CtlAsync("close_connection", pid, "fault test: closing this test's own connection");
        }

        return pids.Count;
    }

    /// <summary>From rabbitmqctl: per channel that consumes one of this test's work queues, the sum of its consumers' prefetch.</summary>
    private async Task<Dictionary<string, int>> ConsumersAsync()
    {
        var prefetch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in await ChaosCtlAsync("-q", "list_consumers", "--no-table-headers", "queue_name", "channel_pid", "prefetch_count"))
        {
            // A work queue is the prefix and a producer's name; reply, control and presence queues have one more dot.
            var fields = line.Split('\t', StringSplitOptions.TrimEntries);
            if (fields.Length == 3 && fields[0].StartsWith(_prefix, StringComparison.Ordinal) && !fields[0][_prefix.Length..].Contains('.', StringComparison.Ordinal))
            {
                prefetch[fields[1]] = prefetch.GetValueOrDefault(fields[1]) + int.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        return prefetch;
    }

    private static Task<IReadOnlyList<string>> ChaosCtlAsync(params string[] arguments) =>
        BrokerFixture.CtlAsync(Path.Combine(Path.GetDirectoryName(ChildPrograms.Ctl)!, "ctl-chaos.sh"), arguments);

    private async Task<IHost> StartHostAsync(CapturedLogs logs, int workers)
    {
        var host = await TestHost.StartAsync(
            TestHost.RabbitMqConfiguration(_prefix, ChaosBroker.Uri),
            pymar =>
            {
                pymar.AddExamples().AddProducer<OutlivingSquaredSumProducer>().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            logs,
            LogLevel.Information,
            (services, _) => services.AddSingleton(logs));
        _hosts.Add(host);
        if (workers > 0)
        {
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        }

        return host;
    }
}
