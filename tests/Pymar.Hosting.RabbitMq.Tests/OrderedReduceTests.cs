using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Faults;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// On the real broker: a reduce that is associative but not commutative (joining numbers in order)
/// gives the one-process answer on every run, although two worker hosts finish the slices out of order.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class OrderedReduceTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Runs = 10;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    private readonly List<IHost> _hosts = [];
    private readonly JoinedNumbersProducer _producer = new();

    [Fact]
    public async Task AnOrderedJoinGivesTheOneProcessAnswerOnEveryRunThoughSlicesFinishOutOfOrder()
    {
        await StartHostAsync(workers: 2);
        await StartHostAsync(workers: 2);
        var client = (await StartHostAsync(workers: 0)).Services.GetRequiredService<ProducerClient>();
        var oneProcess = await client.MapAsync(_producer, DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { ComputeLocally = true });
        var outOfOrderRuns = 0;

        for (var run = 0; run < Runs; run++)
        {
            _producer.Finished.Clear();
            var answer = await client.MapAsync(_producer, DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { SliceCount = 8 + (run % 3), Timeout = s_deadline });

            Assert.Equal(oneProcess, answer);
            outOfOrderRuns += _producer.Finished.SequenceEqual(_producer.Finished.Order()) ? 0 : 1;
        }

        Assert.StartsWith("0,1,2,", oneProcess, StringComparison.Ordinal);
        Assert.True(outOfOrderRuns > 0, "no run had its slices finish out of order, so the test proved nothing");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await host.StopAsync(timeout.Token);
            host.Dispose();
        }

        await _scope.DisposeAsync();
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(JoinedNumbersProducer)));
    }

    private async Task<IHost> StartHostAsync(int workers)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(_scope.Configuration());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(_producer);
        var pymar = builder.Services.AddPymar(builder.Configuration).AddProducer<JoinedNumbersProducer>().AddDataSource<HundredNumbers>().UseRabbitMq();
        if (workers > 0)
        {
            pymar.AddWorkers(o => o.Concurrency = workers);
        }

        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        if (workers > 0)
        {
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        }

        return host;
    }

    /// <summary>Joins the numbers with commas; earlier windows compute longer, so their answers come last.</summary>
    public sealed class JoinedNumbersProducer : Producer<long, string>
    {
        public ConcurrentQueue<long> Finished { get; } = new();

        public override string ComputeSlice(SliceContext<long> slice)
        {
            ArgumentNullException.ThrowIfNull(slice);
            Thread.Sleep(40 - (int)(slice.Window.Offset * 40 / 100) + Random.Shared.Next(5));
            var partial = base.ComputeSlice(slice);
            Finished.Enqueue(slice.Window.Offset);
            return partial;
        }

        public override IEnumerable<string> Map(IEnumerable<long> items) => items.Select(i => i.ToString(CultureInfo.InvariantCulture));

        public override string Reduce(IEnumerable<string> values) => string.Join(',', values.Where(v => v.Length > 0));
    }
}
