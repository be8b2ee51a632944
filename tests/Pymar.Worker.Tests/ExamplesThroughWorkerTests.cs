using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Examples.Integration;
using Pymar.Examples.SquaredSum;
using Pymar.Examples.WordCount;
using Pymar.Hosting;
using Pymar.Worker.Tests.Support;

namespace Pymar.Worker.Tests;

/// <summary>
/// One pymar-worker process serving every example's producer from the built Pymar.Examples.dll, and a
/// producer-only host in the test that maps each example through RabbitMQ.
/// </summary>
public sealed class ExamplesThroughWorkerTests(ExamplesThroughWorkerTests.ExamplesWorker worker) : IClassFixture<ExamplesThroughWorkerTests.ExamplesWorker>
{
    private static readonly Lazy<long[]> s_numbers = new(() => [.. Enumerable.Range(0, (int)RangeDataSource.Count).Select(i => (long)i)]);

    public static TheoryData<string, string> Answers => new()
    {
        { "integrate", "22023.7365" },
        { "integrate-fast", "22023.7365" },
        { "integrate-keyed", "22023.7365" },
        { "squared-sum", "333333283333335000000" },
        { "squared-sum-inmemory", "333333283333335000000" },
        { "word-count", "one 6, two 5, three 4, four 3, five 2, six 1" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task PymarWorkerAnswersTheExampleThroughRabbitMq(string example, string answer)
    {
        var client = worker.Producer.Services.GetRequiredService<ProducerClient>();
        var options = new MapOptions { Timeout = TimeSpan.FromMinutes(2) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;

        var got = example switch
        {
            "integrate" => Integral(await client.MapAsync(new IntegrationProducer(), DataSourceFactory<double>.For<IntegrationDataSource>(), options, ct)),
            "integrate-fast" => Integral(await client.MapAsync(new FastIntegrationProducer(), DataSourceFactory<double>.For<IntegrationDataSource>(), options, ct)),
            "integrate-keyed" => Integral((await client.MapAsync(new KeyedIntegrationProducer(), DataSourceFactory<(long, double)>.For<KeyedIntegrationDataSource>(), options, ct)).Value),
            "squared-sum" => (await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(), options, ct)).ToString(CultureInfo.InvariantCulture),
            "squared-sum-inmemory" => (await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.FromItems(s_numbers.Value), options, ct)).ToString(CultureInfo.InvariantCulture),
            "word-count" => Counts(await client.MapAsync(new WordCountProducer(), DataSourceFactory<string>.For<DocumentsDataSource>(), options, ct)),
            _ => throw new ArgumentOutOfRangeException(nameof(example), example, "no such example"),
        };

        Assert.True(answer == got, $"{example}: expected {answer}, got {got}\n{worker.Process.Describe()}");
    }

    private static string Integral(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Counts(Dictionary<string, long> counts) =>
        string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    /// <summary>The worker process and the producer host, shared by the examples of this class.</summary>
    public sealed class ExamplesWorker : IAsyncLifetime
    {
        private static readonly string[] s_producers = ["IntegrationProducer", "FastIntegrationProducer", "KeyedIntegrationProducer", "SquaredSumProducer", "WordCountProducer"];
        private static readonly string[] s_dataSources = ["IntegrationDataSource", "KeyedIntegrationDataSource", "RangeDataSource", "DocumentsDataSource"];
        private readonly string _prefix = TestBroker.NewQueuePrefix();
        private WorkerProcess? _process;
        private ProducerHost? _producer;

        public WorkerProcess Process => _process ?? throw new InvalidOperationException("Not started.");

        public ProducerHost Producer => _producer ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync()
        {
            var args = new List<string> { "--assembly", Programs.Examples, "--broker", TestBroker.Uri, "--workers", "2" };
            args.AddRange(s_producers.SelectMany(p => new[] { "--producer", p }));
            args.AddRange(s_dataSources.SelectMany(s => new[] { "--data-source", s }));
            _process = WorkerProcess.Start(args, new Dictionary<string, string> { ["Pymar__Broker__QueuePrefix"] = _prefix });
            await _process.WaitForLineAsync("consuming producers", TimeSpan.FromSeconds(60));

            _producer = await ProducerHost.StartAsync(_prefix, pymar => pymar
                .AddProducer<IntegrationProducer>()
                .AddProducer<FastIntegrationProducer>()
                .AddProducer<KeyedIntegrationProducer>()
                .AddProducer<SquaredSumProducer>()
                .AddProducer<WordCountProducer>()
                .AddDataSource<IntegrationDataSource>()
                .AddDataSource<KeyedIntegrationDataSource>()
                .AddDataSource<RangeDataSource>()
                .AddDataSource<DocumentsDataSource>());
        }

        public async Task DisposeAsync()
        {
            try
            {
                if (_producer is not null)
                {
                    await _producer.DisposeAsync();
                }

                if (_process is not null)
                {
                    var code = await _process.TerminateAsync(TimeSpan.FromSeconds(60));
                    Assert.True(code == 0, _process.Describe());
                    await _process.DisposeAsync();
                }
            }
            finally
            {
                await TestBroker.DeleteQueuesAsync(_prefix, s_producers);
            }
        }
    }
}
