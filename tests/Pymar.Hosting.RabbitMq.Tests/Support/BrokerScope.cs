using System.Globalization;

namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>
/// One test's share of the broker: a queue prefix of its own (<c>pymar.t{guid}.</c>), so tests never see each
/// other's slices, and the processes it started. <see cref="AssertNothingLeftAsync"/> checks through the broker
/// that the test left no message and no reply queue behind; disposing kills the processes and deletes the queues.
/// </summary>
public sealed class BrokerScope : IAsyncDisposable
{
    /// <summary>How long a program may take to start and say it is ready (2 busy cores, cold JIT).</summary>
    public static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);

    /// <summary>How long a job may take from publish to answer.</summary>
    public static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(90);

    /// <summary>How long a stopped (SIGTERM) or killed process may take to exit.</summary>
    public static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(30);

    // Every producer the programs register; their work queues are deleted after each test.
    private static readonly string[] s_producers =
    [
        "IntegrationProducer", "FastIntegrationProducer", "KeyedIntegrationProducer", "SquaredSumProducer", "WordCountProducer", "SlowSumProducer", "SecondSlowSumProducer", "ThirdSlowSumProducer", "CrashProducer",
    ];

    private readonly BrokerFixture _broker;
    private readonly List<ChildProcess> _processes = [];
    private readonly HashSet<string> _queues = new(StringComparer.Ordinal);

    internal BrokerScope(BrokerFixture broker)
    {
        _broker = broker;
        Prefix = $"pymar.t{Guid.NewGuid():N}.";
    }

    public string Prefix { get; }

    public BrokerFixture Broker => _broker;

    /// <summary>The work queue of a producer under this test's prefix.</summary>
    public string WorkQueue(string producer) => Prefix + producer;

    /// <summary>Configuration keys for a host of this test (as <c>Pymar:…</c> keys).</summary>
    public Dictionary<string, string?> Configuration(string brokerUri = BrokerFixture.Uri, bool fallBackToLocal = false) =>
        TestHost.RabbitMqConfiguration(Prefix, brokerUri, fallBackToLocal);

    /// <summary>Starts a host in the test process that registers the examples, with this test's configuration.</summary>
    public Task<ProducerHost> StartProducerHostAsync(CapturedLogs logs, string brokerUri = BrokerFixture.Uri, bool fallBackToLocal = false) =>
        ExampleHosts.StartAsync(Configuration(brokerUri, fallBackToLocal), logs);

    /// <summary>Starts <c>TestWorker worker --workers N</c> and waits until it consumes.</summary>
    public async Task<ChildProcess> StartWorkerAsync(string name, int concurrency, int sliceMilliseconds = 0, string brokerUri = BrokerFixture.Uri)
    {
        var worker = StartWorker(name, concurrency, sliceMilliseconds, brokerUri);
        await worker.WaitForLineAsync("consuming producers", StartDeadline);
        return worker;
    }

    /// <summary>Starts <c>TestWorker worker --workers N</c> without waiting.</summary>
    public ChildProcess StartWorker(string name, int concurrency, int sliceMilliseconds = 0, string brokerUri = BrokerFixture.Uri, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var environment = Environment(brokerUri);

        // Workers check each window against their data source's length: theirs holds every number a test's producer
        // asks for (producers choose theirs with --count), unless the test says otherwise.
        environment["PYMAR_TEST_COUNT"] = "1000000";
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        environment["PYMAR_TEST_SLICE_MS"] = sliceMilliseconds.ToString(CultureInfo.InvariantCulture);
        return Track(ChildProcess.StartDll(name, ChildPrograms.TestWorker, ["worker", "--workers", concurrency.ToString(CultureInfo.InvariantCulture)], new() { Environment = environment }));
    }

    /// <summary>Starts the examples program as a worker (<c>worker --broker URI --verbose</c>) and waits until it consumes.</summary>
    public async Task<ChildProcess> StartExamplesWorkerAsync(string name)
    {
        var environment = new Dictionary<string, string> { ["Pymar__Broker__QueuePrefix"] = Prefix, ["Pymar__ComputeLocallyWhenUnreachable"] = "false" };
        var worker = Track(ChildProcess.StartDll(name, ChildPrograms.Examples, ["worker", "--broker", BrokerFixture.Uri, "--verbose"], new() { Environment = environment }));
        await worker.WaitForLineAsync("consuming producers", StartDeadline);
        return worker;
    }

    /// <summary>Starts <c>TestWorker produce job args --timeout 120</c>: one job, then <c>answer: …</c> and exit.</summary>
    public ChildProcess StartProducer(string name, string job, params string[] args) =>
        Track(ChildProcess.StartDll(name, ChildPrograms.TestWorker, ["produce", job, .. args, "--timeout", "120"], new() { Environment = Environment(BrokerFixture.Uri) }));

    /// <summary>Starts a one-job producer process with more environment variables.</summary>
    public ChildProcess StartProducer(string name, IReadOnlyDictionary<string, string> extraEnvironment, string job, params string[] args)
    {
        var environment = Environment(BrokerFixture.Uri);
        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        return Track(ChildProcess.StartDll(name, ChildPrograms.TestWorker, ["produce", job, .. args, "--timeout", "120"], new() { Environment = environment }));
    }

    /// <summary>Stops (SIGTERM) every process of this test that still runs and waits until they have exited.</summary>
    public async Task StopAllAsync()
    {
        List<ChildProcess> running;
        lock (_processes)
        {
            running = [.. _processes.Where(p => !p.HasExited)];
        }

        var codes = await Task.WhenAll(running.Select(p => p.StopAsync(ExitDeadline)));
        for (var i = 0; i < running.Count; i++)
        {
            Assert.True(codes[i] == 0, $"{running[i].Name} exited with code {codes[i]} after SIGTERM.\n{running[i].Describe()}");
        }
    }

    /// <summary>
    /// Through the broker, once the test's processes and hosts have stopped: no reply queue (nor a worker's control
    /// queue) of this test remains, the work queues of <paramref name="producers"/> exist, and no queue of this test
    /// holds a message.
    /// </summary>
    public async Task AssertNothingLeftAsync(params string[] producers)
    {
        // Reply and control queues are exclusive: they go when their owner deletes them or its connection closes.
        var mine = await Eventually.ReadAsync(
            async () => (await BrokerFixture.ListQueuesAsync()).Where(q => q.StartsWith(Prefix, StringComparison.Ordinal)).ToList(),
            queues => !queues.Any(IsPerProcessQueue),
            TimeSpan.FromSeconds(15),
            $"the reply and control queues of prefix {Prefix} to go",
            TimeSpan.FromMilliseconds(200));
        _queues.UnionWith(mine);

        foreach (var producer in producers)
        {
            Assert.True(mine.Contains(WorkQueue(producer)), $"The work queue {WorkQueue(producer)} does not exist; the job did not go through the broker. Queues: {string.Join(", ", mine)}");
        }

        foreach (var queue in mine)
        {
            var ready = await _broker.ReadyMessagesAsync(queue);
            Assert.True(ready is null or 0, $"Queue {queue} still holds {ready} message(s).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ChildProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        _queues.UnionWith(s_producers.Select(WorkQueue));
        _queues.Add(Prefix + "dead-letter");
        foreach (var queue in _queues)
        {
            await _broker.DeleteQueueAsync(queue);
        }

        // The fanout exchange that tells workers a job ended.
        await _broker.DeleteExchangeAsync(Prefix + "control");

        // The exchange worker pools announce their slots on.
        await _broker.DeleteExchangeAsync(Prefix + "presence");
    }

    private bool IsPerProcessQueue(string queue) =>
        queue.StartsWith(Prefix + "reply.", StringComparison.Ordinal) || queue.StartsWith(Prefix + "control.", StringComparison.Ordinal);

    private Dictionary<string, string> Environment(string brokerUri) => new()
    {
        ["Pymar__Transport"] = "RabbitMq",
        ["Pymar__Broker__Uri"] = brokerUri,
        ["Pymar__Broker__QueuePrefix"] = Prefix,
        ["Pymar__ComputeLocallyWhenUnreachable"] = "false",
    };

    private ChildProcess Track(ChildProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }
}
