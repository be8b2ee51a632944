using System.Collections.Concurrent;
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
    public async Task AnElasticPoolGrowsWhileSlicesWaitAndShrinksBackWhenIdle()
    {
        var producer = new GatedProducer();
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer);
            p.AddProducer<GatedProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o =>
            {
                o.Concurrency = new WorkerConcurrency(1, 4);
                o.ScaleDownAfter = TimeSpan.FromSeconds(1);
            });
        });
        var workers = host.Services.GetRequiredService<WorkerService>();
        var client = host.Services.GetRequiredService<ProducerClient>();
        Assert.Equal(1, workers.Slots);

        // Every slice blocks until the gate opens, so the waiting ones are a backlog the pool grows for.
        var job = client.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Running == 4, s_deadline, "the pool to grow to four slots, each running a slice");
        Assert.Equal(4, workers.Slots);
        producer.Open();

        Assert.Equal(5050, await job);
        Assert.Equal(4, producer.MostRunning);
        await Eventually.HoldsAsync(() => workers.Slots == 1, s_deadline, "the pool to shrink back to one slot");
    }

    [Fact]
    public async Task SlicesRunOnDedicatedThreadsNotOnTheThreadPool()
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

        await Task.Run(() => { }).WaitAsync(s_deadline);
        producer.Open();
        await job;

        Assert.Equal(Environment.ProcessorCount * 2, producer.Threads.Count);
        Assert.DoesNotContain(true, producer.Threads.Values);
    }

    [Fact]
    public async Task ASliceInterruptedByAStoppingWorkerIsRedoneByAnotherWorker()
    {
        var broker = new InProcessBroker();
        var producer = new StuckOnceProducer();
        void Configure(IPymarBuilder p) => Share(p, broker, producer);

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
        void Configure(IPymarBuilder p) => Share(p, broker, producer);

        // A transport that hands the worker more slices than it has slots, so it holds unstarted ones when it stops.
        using var worker = await TestHosts.StartAsync(p =>
        {
            Configure(p);
            p.Services.AddSingleton(new TransportRegistration("Greedy", sp => new GreedyTransport(new InProcessTransport(sp.GetRequiredService<InProcessBroker>()))));
            p.AddWorkers(o => o.Concurrency = 2);
        });
        using var producerHost = await TestHosts.StartAsync(Configure);
        var job = producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });
        await Eventually.HoldsAsync(() => producer.Running == 2 && broker.CountWaiting(nameof(GatedProducer)) < 8, s_deadline, "two slices to run and more to be held unstarted");

        var stopping = worker.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => broker.CountWaiting(nameof(GatedProducer)) == 8, s_deadline, "the unstarted slices to return to the queue");
        producer.Open();
        await stopping;

        using var second = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 2); });
        Assert.Equal(5050, await job);
        Assert.Equal(2, worker.Services.GetRequiredService<WorkerService>().CompletedSlices);
    }

    [Fact]
    public async Task ASlicePastItsJobsDeadlineIsDeadLetteredNotComputed()
    {
        var broker = new InProcessBroker();
        var producer = new GatedProducer();
        producer.Open();
        void Configure(IPymarBuilder p) => Share(p, broker, producer);

        // The worker's clock is an hour ahead, so every slice it takes is already past its job's deadline.
        using var worker = await TestHosts.StartAsync(p =>
        {
            Configure(p);
            p.Services.AddSingleton<TimeProvider>(new ShiftedTime(TimeSpan.FromHours(1)));
            p.AddWorkers(o => o.Concurrency = 2);
        });
        using var producerHost = await TestHosts.StartAsync(Configure);

        var error = await Assert.ThrowsAsync<MapTimeoutException>(() => producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 4, Timeout = TimeSpan.FromSeconds(1) }));

        Assert.Equal(0, error.CompletedSlices);
        Assert.Empty(producer.Threads);
        Assert.Equal(0, broker.CountWaiting(nameof(GatedProducer)));
        Assert.Equal(4, broker.DeadLetters.Count);
        Assert.All(broker.DeadLetters, d => Assert.Contains("after its job's timeout had passed", d.Reason, StringComparison.Ordinal));
    }

    /// <summary>Registers one broker and one producer instance, so several hosts of a test share them.</summary>
    private static void Share<TProducer>(IPymarBuilder pymar, InProcessBroker broker, TProducer producer)
        where TProducer : Producer
    {
        pymar.Services.AddSingleton(broker).AddSingleton(producer);
        pymar.AddProducer<TProducer>().AddDataSource<NumbersDataSource>();
    }

    /// <summary>Blocks every slice until <see cref="Open"/>, counting how many run at once and on which threads.</summary>
    public sealed class GatedProducer : Producer<long, long>
    {
        private readonly ManualResetEventSlim _gate = new();
        private int _running;
        private int _mostRunning;

        /// <summary>Each thread that ran a slice, and whether it was a thread-pool thread.</summary>
        public ConcurrentDictionary<int, bool> Threads { get; } = new();

        public int Running => Volatile.Read(ref _running);

        public int MostRunning => Volatile.Read(ref _mostRunning);

        public void Open() => _gate.Set();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            Threads[Environment.CurrentManagedThreadId] = Thread.CurrentThread.IsThreadPoolThread;
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

    /// <summary>The in-process transport with three times the prefetch the worker asks for.</summary>
    private sealed class GreedyTransport(IPymarTransport inner) : IPymarTransport
    {
        public string Description => inner.Description;

        public bool IsConnected => inner.IsConnected;

        public long MaxMessageBytes => inner.MaxMessageBytes;

        public ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default) =>
            inner.OpenReplyInboxAsync(onReply, onRecovered, cancellationToken);

        public ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default) =>
            inner.PublishSliceAsync(producerName, body, properties, cancellationToken);

        public ValueTask<ISliceConsumer> ConsumeSlicesAsync(IReadOnlyCollection<string> producerNames, int prefetch, Func<SliceDelivery, CancellationToken, ValueTask> onSlice, CancellationToken cancellationToken = default) =>
            inner.ConsumeSlicesAsync(producerNames, prefetch * 3, onSlice, cancellationToken);

        public ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default) => inner.PublishJobEndedAsync(jobId, cancellationToken);

        public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
            inner.SubscribeJobEndedAsync(onJobEnded, cancellationToken);

        public ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default) => inner.PurgeAsync(producerNames, cancellationToken);
    }

    /// <summary>The system clock moved by a fixed amount.</summary>
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
