using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;
using Xunit.Abstractions;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// On the real broker: a worker whose concurrency is a range grows its slots while its queue holds a backlog, its
/// extra slots get deliveries (the prefetch follows), and it gives them back once nothing has waited for its idle
/// period, without losing a slice.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ElasticWorkerTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Slices = 2_000;
    private const int Count = 20_000;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(2);
    private readonly BrokerScope _scope = broker.NewScope();
    private readonly List<IHost> _hosts = [];

    /// <param name="producersServed">1: one consumer whose prefetch changes; 2 quorum queues: the credits follow the slots.</param>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AWorkerOfTwoToSixSlotsGrowsUnderAJobAndReturnsToTwoWhenIdle(int producersServed)
    {
        var logs = new CapturedLogs();
        var workers = (await StartHostAsync(logs, worker: true, producersServed)).Services.GetRequiredService<WorkerService>();
        var client = (await StartHostAsync(logs, worker: false, producersServed)).Services.GetRequiredService<ProducerClient>();
        Assert.Equal(2, workers.Slots);

        var mostSlots = 0;
        var mostRunning = 0;
        using var watching = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                mostSlots = Math.Max(mostSlots, workers.Slots);
                mostRunning = Math.Max(mostRunning, SleepySum.Running);
                await Task.Delay(20, CancellationToken.None);
            }
        });
        var answer = await client.MapAsync(new SleepySum(), DataSourceFactory<long>.For<Numbers>(), new MapOptions { SliceCount = Slices, Timeout = s_deadline });
        await watching.CancelAsync();
        await watch;

        Assert.Equal((long)Count * (Count - 1) / 2, answer);
        Assert.InRange(mostSlots, 3, 6);
        Assert.True(mostRunning > 2, $"the extra slots never ran a slice (at most {mostRunning} at once)\n{logs.All}");
        Assert.Contains(logs.Lines, l => l.Contains("went from 2 to 3 slot(s) of 2..6", StringComparison.Ordinal));

        await Eventually.HoldsAsync(() => workers.Slots == 2, s_idle + TimeSpan.FromSeconds(10), "the worker to return to 2 slots");
        output.WriteLine(string.Join('\n', logs.Lines.Where(l => l.Contains("slot(s) of 2..6", StringComparison.Ordinal))));
        Assert.Contains(logs.Lines, l => l.Contains("to 2 slot(s) of 2..6: no slice waiting for 2 s", StringComparison.Ordinal));
        Assert.Equal(0u, await broker.ReadyMessagesAsync(_scope.WorkQueue(nameof(SleepySum))));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync(TimeSpan.FromSeconds(15));
        }

        await _scope.DisposeAsync();
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(SleepySum)));
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(IdleSum)));
    }

    private async Task<IHost> StartHostAsync(CapturedLogs logs, bool worker, int producersServed)
    {
        var host = await TestHost.StartAsync(
            _scope.Configuration(),
            pymar =>
            {
                pymar.AddProducer<SleepySum>().AddDataSource<Numbers>().UseRabbitMq();
                if (producersServed > 1)
                {
                    pymar.AddProducer<IdleSum>();
                }

                if (worker)
                {
                    pymar.AddWorkers(o =>
                    {
                        o.Concurrency = new WorkerConcurrency(2, 6);
                        o.ScaleDownAfter = s_idle;
                    });
                }
            },
            logs,
            LogLevel.Information);
        _hosts.Add(host);
        if (worker)
        {
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        }

        return host;
    }

    /// <summary>Sums its numbers after 20 ms of waiting (not computing: the CPU stays free, so only the backlog decides).</summary>
    public sealed class SleepySum : Producer<long, long>
    {
        private static int s_running;

        public static int Running => Volatile.Read(ref s_running);

        public override long ComputeSlice(SliceContext<long> slice)
        {
            Interlocked.Increment(ref s_running);
            try
            {
                Thread.Sleep(20);
                return base.ComputeSlice(slice);
            }
            finally
            {
                Interlocked.Decrement(ref s_running);
            }
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    /// <summary>A second producer the worker serves, whose queue stays empty.</summary>
    public sealed class IdleSum : Producer<long, long>
    {
        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    /// <summary>The numbers 0 to 19,999.</summary>
    public sealed class Numbers : DataSource<long>
    {
        public override long GetLength() => Count;

        public override IEnumerable<long> Read(SliceWindow window)
        {
            for (var i = window.Offset; i < window.End; i++)
            {
                yield return i;
            }
        }
    }
}
