using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Tests.Client;

public sealed class FailurePolicyTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AFailedSliceIsRetriedPerCallAndTheAnswerIsExact()
    {
        var producer = new FlakyProducer(failures: 2);
        using var host = await StartAsync(producer);

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, RetryCount = 2, RetryBackoff = TimeSpan.FromMilliseconds(10), Timeout = s_deadline });

        Assert.Equal(5050, sum);
        Assert.Equal(3, producer.AttemptsAtUnluckySlice);
    }

    [Fact]
    public async Task ASliceThatFailsEveryAttemptFailsTheJobWithinASecondOfTheLastAttempt()
    {
        var producer = new FlakyProducer(failures: int.MaxValue);
        using var host = await StartAsync(producer);

        var job = host.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, RetryCount = 1, RetryBackoff = TimeSpan.FromMilliseconds(10), Timeout = s_deadline });
        var error = await Assert.ThrowsAsync<SliceFailedException>(() => job);
        var sinceLastAttempt = Stopwatch.GetElapsedTime(producer.LastAttemptTimestamp);

        Assert.Equal((2, 1, new SliceWindow(10, 10)), (error.Attempts, error.SliceIndex, error.Window));
        Assert.Equal(2, error.RemoteError!.Attempt);
        Assert.Contains("after 2 attempts", error.Message, StringComparison.Ordinal);
        Assert.True(sinceLastAttempt < TimeSpan.FromSeconds(1), $"failed {sinceLastAttempt} after the last attempt");
    }

    [Fact]
    public async Task TheProducersDefaultRetryCountApplies()
    {
        var producer = new FlakyProducer(failures: 1, defaultRetries: 1);
        using var host = await StartAsync(producer);

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, RetryBackoff = TimeSpan.FromMilliseconds(10), Timeout = s_deadline });

        Assert.Equal(5050, sum);
    }

    [Fact]
    public async Task CollectingFailuresReducesTheRestAndListsTheFailedSlices()
    {
        var producer = new FlakyProducer(failures: int.MaxValue);
        using var host = await StartAsync(producer);

        var result = await host.Services.GetRequiredService<ProducerClient>().MapWithFailuresAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });

        Assert.False(result.Succeeded);
        Assert.Equal(5050 - 155, result.Value);
        var failure = Assert.Single(result.Failures);
        Assert.Equal((1, new SliceWindow(10, 10)), (failure.SliceIndex, failure.Window));
        Assert.Contains("13 is unlucky", failure.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingAJobCancelsItsRunningSliceAndItsOtherSlicesAreNotComputed()
    {
        var producer = new WaitForCancellationProducer();
        var broker = new InProcessBroker();
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer).AddSingleton(broker);
            p.AddProducer<WaitForCancellationProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 1);
        });
        using var cancellation = new CancellationTokenSource();
        var job = host.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 4 }, cancellation.Token);
        await Eventually.HoldsAsync(() => producer.Started == 1, s_deadline, "the first slice to start");

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job);

        await Eventually.HoldsAsync(() => producer.Cancelled == 1, s_deadline, "the running slice to see its cancellation");
        await Eventually.HoldsAsync(() => broker.CountWaiting(nameof(WaitForCancellationProducer)) == 0, s_deadline, "the other slices to be dropped");
        Assert.Equal(1, producer.Started);
    }

    [Fact]
    public async Task ASliceDeliveredMoreThanMaxDeliveriesIsDeadLetteredAndTheJobFailsNamingIt()
    {
        var broker = new InProcessBroker();
        var producer = new WaitForCancellationProducer();
        void Configure(IPymarBuilder p)
        {
            p.Services.AddSingleton(broker).AddSingleton(producer);
            p.AddProducer<WaitForCancellationProducer>().AddDataSource<NumbersDataSource>();
        }

        using var producerHost = await TestHosts.StartAsync(Configure);
        var job = producerHost.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline });

        // Two workers in a row stop while computing the slice (as if they died); the third must not run it again.
        for (var delivery = 1; delivery <= 2; delivery++)
        {
            using var worker = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => { o.Concurrency = 1; o.MaxDeliveries = 2; }); });
            var started = delivery;
            await Eventually.HoldsAsync(() => producer.Started == started, s_deadline, $"delivery {delivery} to start");
            using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await worker.StopAsync(shutdown.Token);
        }

        using var last = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => { o.Concurrency = 1; o.MaxDeliveries = 2; }); });
        var error = await Assert.ThrowsAsync<SliceFailedException>(() => job);

        Assert.Equal(2, producer.Started);
        Assert.Equal((0, new SliceWindow(0, 100)), (error.SliceIndex, error.Window));
        Assert.Contains("delivered 3 times", error.Message, StringComparison.Ordinal);
        var deadLetter = Assert.Single(broker.DeadLetters);
        Assert.Contains("delivered 3 times", deadLetter.Reason, StringComparison.Ordinal);
    }

    private static Task<Microsoft.Extensions.Hosting.IHost> StartAsync(FlakyProducer producer) =>
        TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer);
            p.AddProducer<FlakyProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2);
        });

    /// <summary>The slice holding 13 throws on its first <c>failures</c> attempts.</summary>
    public sealed class FlakyProducer(int failures, int defaultRetries = 0) : Producer<long, long>
    {
        private int _attempts;

        public int AttemptsAtUnluckySlice => Volatile.Read(ref _attempts);

        public long LastAttemptTimestamp { get; private set; }

        public override int DefaultRetryCount => defaultRetries;

        public override long ComputeSlice(SliceContext<long> slice)
        {
            if (slice.Window.Offset <= 12 && slice.Window.End > 12)
            {
                LastAttemptTimestamp = Stopwatch.GetTimestamp();
                if (Interlocked.Increment(ref _attempts) <= failures)
                {
                    throw new InvalidOperationException("13 is unlucky");
                }
            }

            return base.ComputeSlice(slice);
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }

    /// <summary>Every slice waits until it is cancelled, counting starts and cancellations.</summary>
    public sealed class WaitForCancellationProducer : Producer<long, long>
    {
        private int _started;
        private int _cancelled;

        public int Started => Volatile.Read(ref _started);

        public int Cancelled => Volatile.Read(ref _cancelled);

        public override long ComputeSlice(SliceContext<long> slice)
        {
            Interlocked.Increment(ref _started);
            slice.CancellationToken.WaitHandle.WaitOne();
            Interlocked.Increment(ref _cancelled);
            slice.CancellationToken.ThrowIfCancellationRequested();
            return 0;
        }

        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}
