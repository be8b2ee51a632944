extern alias examples;

using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using examples::Pymar.Examples.SquaredSum;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// Against the broker: a worker holds its acknowledgements a moment after the replies (<see cref="DeferredAcks"/>),
/// and a worker that stops sends what it holds, so no slice it answered goes back to its queue.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class DeferredAcksOnTheBrokerTests(BrokerFixture broker) : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    private readonly List<IHost> _hosts = [];

    [Fact]
    public async Task AStoppingWorkerSendsTheAcknowledgementsItHoldsSoNoAnsweredSliceGoesBackToItsQueue()
    {
        // The worker's clock stands still, so its acknowledgements stay held until it stops: a job of as many slices as
        // its budget (2 slots + a lookahead of 2) is answered while the broker still counts all four unacknowledged.
        var worker = await StartHostAsync(o => o.Concurrency = 2, new FakeTimeProvider());
        await worker.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        var producer = await StartHostAsync(configureWorkers: null, time: null);
        var client = producer.Services.GetRequiredService<ProducerClient>();

        var answer = await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(), new MapOptions { SliceCount = 4, Timeout = s_deadline });

        Assert.Equal(PymarExamples.SquaredSumAnswer, answer.ToString(CultureInfo.InvariantCulture));
        var queue = _scope.WorkQueue(nameof(SquaredSumProducer));

        // rabbitmqctl's counts lag the queue by a few seconds.
        await Eventually.ReadAsync(() => MessagesAsync(queue), m => m == (0, 4), s_deadline, "the broker to count the job's four slices unacknowledged", TimeSpan.FromMilliseconds(500));

        await worker.StopAndDisposeAsync();
        _hosts.Remove(worker);

        // Had the held acknowledgements been dropped with the channel, the broker would have put the four slices back.
        var after = await Eventually.ReadAsync(() => MessagesAsync(queue), m => m.Unacknowledged == 0, s_deadline, "the broker to count no slice unacknowledged", TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, after.Ready);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }

        await _scope.DisposeAsync();
    }

    /// <summary>From rabbitmqctl: the ready and the unacknowledged messages of <paramref name="queue"/>.</summary>
    private static async Task<(int Ready, int Unacknowledged)> MessagesAsync(string queue)
    {
        var line = (await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "-q", "list_queues", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged"))
            .Select(l => l.Split('\t', StringSplitOptions.TrimEntries))
            .Single(f => f[0] == queue);
        return (int.Parse(line[1], CultureInfo.InvariantCulture), int.Parse(line[2], CultureInfo.InvariantCulture));
    }

    private async Task<IHost> StartHostAsync(Action<WorkerOptions>? configureWorkers, TimeProvider? time)
    {
        var host = await TestHost.StartAsync(
            _scope.Configuration(),
            pymar =>
            {
                pymar.AddProducer<SquaredSumProducer>().AddDataSource<RangeDataSource>().UseRabbitMq();
                if (configureWorkers is not null)
                {
                    pymar.AddWorkers(configureWorkers);
                }
            },
            configureServices: (services, _) =>
            {
                if (time is not null)
                {
                    services.AddSingleton(time);
                }
            });
        _hosts.Add(host);
        return host;
    }
}
