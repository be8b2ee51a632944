using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

/// <summary>In process: a slice message cannot tie up a worker.</summary>
public sealed class SliceGuardTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(90, 20)]
    [InlineData(0, long.MaxValue)]
    [InlineData(long.MaxValue - 5, 5)]
    public async Task AWindowBeyondTheDataIsDeadLetteredAndAnsweredWithAnError(long offset, long limit)
    {
        var broker = new InProcessBroker();
        var replies = new ConcurrentQueue<string>();
        broker.AddInbox("outsider", body =>
        {
            replies.Enqueue(Encoding.UTF8.GetString(body.Span));
            return ValueTask.CompletedTask;
        });
        using var worker = await StartWorkerAsync(broker, o => o.Concurrency = 2);

        Publish(broker, nameof(SumProducer), offset, limit);
        await Eventually.HoldsAsync(() => broker.DeadLetters.Count == 1 && !replies.IsEmpty, s_deadline, "the slice to be dead-lettered and answered");

        var deadLetter = Assert.Single(broker.DeadLetters);
        Assert.Contains("window out of range", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Contains("'NumbersDataSource', which holds 100 items", deadLetter.Reason, StringComparison.Ordinal);
        var reply = JsonNode.Parse(Assert.Single(replies))!;
        Assert.Equal(nameof(MalformedMessageException), ((string)reply["error"]!["type"]!).Split('.')[^1]);
        Assert.Equal(100 * 101 / 2, await RunSumAsync(worker));
    }

    [Fact]
    public async Task ADataSourceIsCountedOncePerJobAndForgottenWhenTheJobEnds()
    {
        var jobs = new JobTracker();
        var counted = 0;
        ValueTask<long> Count(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counted);
            return ValueTask.FromResult(100L);
        }

        var lengths = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => jobs.GetLengthAsync("job", "Numbers", Count, CancellationToken.None).AsTask()));
        Assert.All(lengths, length => Assert.Equal(100, length));
        Assert.Equal(1, counted);

        await jobs.GetLengthAsync("other-job", "Numbers", Count, CancellationToken.None);
        Assert.Equal(2, counted);

        jobs.MarkEnded("job");
        await jobs.GetLengthAsync("job", "Numbers", Count, CancellationToken.None);
        Assert.Equal(3, counted);
    }

    [Fact]
    public async Task ASlicePastMaxSliceDurationIsCancelledAndTheJobFailsNamingTheSetting()
    {
        var broker = new InProcessBroker();
        var producer = new BlockingProducer { IgnoresCancellation = false };
        using var worker = await StartWorkerAsync(broker, o =>
        {
            o.Concurrency = 2;
            o.MaxSliceDuration = TimeSpan.FromMilliseconds(300);
        }, producer);

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => worker.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline }));

        Assert.Contains("ran past Pymar:Worker:MaxSliceDuration", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, producer.Cancelled);
        var deadLetter = Assert.Single(broker.DeadLetters);
        Assert.Contains("deadline passed", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Equal(0, worker.Services.GetRequiredService<WorkerService>().LostSlots);
    }

    [Fact]
    public async Task AJobsTimeoutIsEnforcedWhileItsSliceRuns()
    {
        var broker = new InProcessBroker();
        var producer = new BlockingProducer { IgnoresCancellation = false };

        // The worker's clock runs 4.5 s ahead: it sees half a second left of the job's 5 s when the slice starts.
        using var worker = await StartWorkerAsync(broker, o => o.Concurrency = 1, producer, new ShiftedTime(TimeSpan.FromSeconds(4.5)));
        using var producerHost = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(broker).AddSingleton(producer);
            p.AddProducer<BlockingProducer>().AddDataSource<NumbersDataSource>();
        });
        var started = DateTimeOffset.UtcNow;

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 1, Timeout = TimeSpan.FromSeconds(5) }));

        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(4.5), "the slice should be cancelled at its job's timeout, not run on");
        Assert.Contains("ran past its job's timeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, producer.Cancelled);
        Assert.Contains("deadline passed", Assert.Single(broker.DeadLetters).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASliceThatIgnoresItsCancellationLosesItsSlotInHealthAndThePoolKeepsServing()
    {
        var broker = new InProcessBroker();
        var producer = new BlockingProducer { IgnoresCancellation = true };
        using var worker = await StartWorkerAsync(broker, o =>
        {
            o.Concurrency = 2;
            o.MaxSliceDuration = TimeSpan.FromMilliseconds(300);
            o.CancellationGrace = TimeSpan.FromMilliseconds(200);
        }, producer);
        var pool = worker.Services.GetRequiredService<WorkerService>();
        var health = worker.Services.GetRequiredService<HealthCheckService>();

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => worker.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline }));
        await Eventually.HoldsAsync(() => pool.LostSlots == 1, s_deadline, "the slot to be counted as lost");
        var degraded = await health.CheckHealthAsync();

        Assert.Contains("MaxSliceDuration", error.Message, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal(1, degraded.Entries["pymar"].Data["lostSlots"]);
        Assert.Contains("1 of 2 worker slot(s) lost", degraded.Entries["pymar"].Description, StringComparison.Ordinal);

        // The other slot serves a whole job; the lost one comes back when its slice returns at last.
        Assert.Equal(100 * 101 / 2, await RunSumAsync(worker));
        producer.Release();
        await Eventually.HoldsAsync(() => pool.LostSlots == 0, s_deadline, "the slot to serve again");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task StoppingDoesNotWaitForALostSlot()
    {
        var broker = new InProcessBroker();
        var producer = new BlockingProducer { IgnoresCancellation = true };
        using var worker = await StartWorkerAsync(broker, o =>
        {
            o.Concurrency = 2;
            o.MaxSliceDuration = TimeSpan.FromMilliseconds(200);
            o.CancellationGrace = TimeSpan.FromMilliseconds(100);
        }, producer);
        var pool = worker.Services.GetRequiredService<WorkerService>();
        await Assert.ThrowsAsync<SliceFailedException>(() => worker.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline }));
        await Eventually.HoldsAsync(() => pool.LostSlots == 1, s_deadline, "the slot to be counted as lost");

        var stopping = worker.StopAsync(CancellationToken.None);
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(stopping.IsCompletedSuccessfully);
        producer.Release();
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("60.00:00:00")]
    public void AnInvalidMaxSliceDurationStopsTheHostNamingTheKey(string value)
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { MaxSliceDuration = TimeSpan.Parse(value, CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains("Pymar:Worker:MaxSliceDuration", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxSliceDurationIsOffByDefault()
    {
        var options = new WorkerOptions();

        Assert.Null(options.MaxSliceDuration);
        Assert.True(new WorkerOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions { MaxSliceDuration = TimeSpan.FromMinutes(10) }).Succeeded);
    }

    private static Task<IHost> StartWorkerAsync(InProcessBroker broker, Action<WorkerOptions> configure, BlockingProducer? producer = null, TimeProvider? time = null) =>
        TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(broker).AddSingleton(producer ?? new BlockingProducer());
            if (time is not null)
            {
                p.Services.AddSingleton(time);
            }

            p.Services.AddHealthChecks().AddPymar();
            p.AddProducer<SumProducer>().AddProducer<BlockingProducer>().AddDataSource<NumbersDataSource>().AddWorkers(configure);
        });

    private static void Publish(InProcessBroker broker, string producer, long offset, long limit)
    {
        var request = string.Create(CultureInfo.InvariantCulture,
            $$"""{"v":1,"job":"outsider","slice":0,"attempt":1,"producer":"{{producer}}","source":"NumbersDataSource","offset":{{offset}},"limit":{{limit}},"replyTo":"outsider"}""");
        broker.Enqueue(producer, new InProcessMessage(Encoding.UTF8.GetBytes(request), "outsider:0", "outsider", 1));
    }

    private static Task<long> RunSumAsync(IHost host) =>
        host.Services.GetRequiredService<ProducerClient>()
            .MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 4, Timeout = s_deadline });

    /// <summary>Each slice blocks until <see cref="Release"/>: it gives up when cancelled, unless it ignores its token.</summary>
    public sealed class BlockingProducer : Producer<long, long>
    {
        private readonly ManualResetEventSlim _released = new();
        private int _cancelled;

        public bool IgnoresCancellation { get; init; }

        public int Cancelled => Volatile.Read(ref _cancelled);

        public void Release() => _released.Set();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            ArgumentNullException.ThrowIfNull(slice);
            if (IgnoresCancellation)
            {
                _released.Wait();
                return 0;
            }

            WaitHandle.WaitAny([_released.WaitHandle, slice.CancellationToken.WaitHandle]);
            if (slice.CancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _cancelled);
                slice.CancellationToken.ThrowIfCancellationRequested();
            }

            return base.ComputeSlice(slice);
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
