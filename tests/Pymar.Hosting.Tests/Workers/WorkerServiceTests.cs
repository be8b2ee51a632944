using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

public sealed class WorkerServiceTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ConcurrencyBoundsHowManySlicesRunAtOnce()
    {
        var producer = new GatedProducer();
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer);
            p.AddProducer<GatedProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 3);
        });
        var client = host.Services.GetRequiredService<ProducerClient>();

        var job = client.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Running == 3, s_deadline, "three slices to run");
        producer.Open();
        var sum = await job;

        Assert.Equal(5050, sum);
        Assert.Equal(3, producer.MostRunning);
    }

    [Fact]
    public async Task CpuBoundSlicesDoNotStarveTheThreadPool()
    {
        var producer = new GatedProducer();
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer);
            p.AddProducer<GatedProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = Environment.ProcessorCount * 2);
        });
        var client = host.Services.GetRequiredService<ProducerClient>();
        var job = client.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = Environment.ProcessorCount * 2, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Running == Environment.ProcessorCount * 2, s_deadline, "every slot to hold a blocked slice");

        var watch = Stopwatch.StartNew();
        var pooled = await Task.Run(() => Environment.CurrentManagedThreadId);
        var onPool = watch.Elapsed;
        producer.Open();
        await job;

        Assert.True(pooled > 0);
        Assert.True(onPool < TimeSpan.FromMilliseconds(400), $"a thread-pool item waited {onPool.TotalMilliseconds} ms while every slot was busy");
    }

    [Fact]
    public async Task ASliceInterruptedByAStoppingWorkerIsRedoneByAnotherWorker()
    {
        var broker = new InProcessBroker();
        var producer = new StuckOnceProducer();
        void Configure(IPymarBuilder p)
        {
            p.Services.AddSingleton(broker);
            p.Services.AddSingleton(producer);
            p.AddProducer<StuckOnceProducer>().AddDataSource<NumbersDataSource>();
        }

        using var first = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 1); });
        using var producerHost = await TestHosts.StartAsync(Configure);
        var job = producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 4, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Stuck.IsSet, s_deadline, "the first worker to be inside a slice");

        using (var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await first.StopAsync(shutdown.Token);
        }

        using var second = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 2); });
        var sum = await job;

        Assert.Equal(5050, sum);
        Assert.Equal(0, broker.CountWaiting(nameof(StuckOnceProducer)));
    }

    [Fact]
    public async Task AStoppedWorkerReturnsItsUnstartedSlicesToTheQueue()
    {
        var broker = new InProcessBroker();
        var producer = new GatedProducer();
        void Configure(IPymarBuilder p)
        {
            p.Services.AddSingleton(broker);
            p.Services.AddSingleton(producer);
            p.AddProducer<GatedProducer>().AddDataSource<NumbersDataSource>();
        }

        using var worker = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 2); });
        using var producerHost = await TestHosts.StartAsync(Configure);
        var job = producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Running == 2, s_deadline, "two slices to run");

        var stopping = worker.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => broker.CountWaiting(nameof(GatedProducer)) == 8, s_deadline, "the unstarted slices to return to the queue");
        producer.Open();
        await stopping;

        using var second = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 2); });
        Assert.Equal(5050, await job);
        Assert.Equal(2, worker.Services.GetRequiredService<WorkerService>().CompletedSlices);
    }

    /// <summary>Blocks every slice until <see cref="Open"/>, counting how many run at once.</summary>
    public sealed class GatedProducer : Producer<long, long>
    {
        private readonly ManualResetEventSlim _gate = new();
        private int _running;
        private int _mostRunning;

        public int Running => Volatile.Read(ref _running);

        public int MostRunning => Volatile.Read(ref _mostRunning);

        public void Open() => _gate.Set();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            var running = Interlocked.Increment(ref _running);
            int most;
            while (running > (most = Volatile.Read(ref _mostRunning)) && Interlocked.CompareExchange(ref _mostRunning, running, most) != most)
            {
            }

            _gate.Wait();
            Interlocked.Decrement(ref _running);
            return base.ComputeSlice(slice);
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    /// <summary>Its first slice blocks until the worker interrupts it; every other slice computes.</summary>
    public sealed class StuckOnceProducer : Producer<long, long>
    {
        private int _calls;

        public ManualResetEventSlim Stuck { get; } = new();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Stuck.Set();
                slice.CancellationToken.WaitHandle.WaitOne();
                slice.CancellationToken.ThrowIfCancellationRequested();
            }

            return base.ComputeSlice(slice);
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}
