using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Transport;

/// <summary>In process: <see cref="SliceCount.Auto"/> follows the worker pools of this process.</summary>
public sealed class InProcessPresenceTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AutoCutsSlotsTimesBalanceWhileAPoolRunsAndTheFallbackOnceItStopped()
    {
        var broker = new InProcessBroker();
        var producer = new CountingSumProducer();
        using var client = await TestHosts.StartAsync(p => Share(p, broker, producer));
        var workers = await TestHosts.StartAsync(p => Share(p, broker, producer).AddWorkers(o => o.Concurrency = 3));
        await workers.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        var presence = (IWorkerPresence)client.Services.GetRequiredService<IPymarTransport>();
        var map = client.Services.GetRequiredService<ProducerClient>();

        Assert.Equal(new LiveSlots(3, 1), await presence.GetLiveSlotsAsync(nameof(CountingSumProducer)));
        Assert.Equal(5050, await map.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = SliceCount.Auto, Timeout = s_deadline }));
        Assert.Equal(3 * 4, producer.TakeSlices());

        // The producer sets no DefaultSliceCount: Auto is its default too.
        Assert.Equal(5050, await map.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { Timeout = s_deadline }));
        Assert.Equal(12, producer.TakeSlices());

        await workers.StopAsync();
        workers.Dispose();

        Assert.Equal(default, await presence.GetLiveSlotsAsync(nameof(CountingSumProducer)));
        var job = map.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { Timeout = s_deadline });
        await Eventually.HoldsAsync(() => broker.CountWaiting(nameof(CountingSumProducer)) == 4, s_deadline, "the fallback's 4 slices to wait for a worker");
        using var late = await TestHosts.StartAsync(p => Share(p, broker, producer).AddWorkers(o => o.Concurrency = 1));
        Assert.Equal(5050, await job);
    }

    [Fact]
    public async Task APoolServingOtherProducersIsNotCounted()
    {
        var broker = new InProcessBroker();
        var producer = new CountingSumProducer();
        using var client = await TestHosts.StartAsync(p => Share(p, broker, producer).AddProducer<CountProducer>());
        using var workers = await TestHosts.StartAsync(p => Share(p, broker, producer).AddProducer<CountProducer>().AddWorkers(o =>
        {
            o.Concurrency = 2;
            o.Producers.Add(nameof(CountProducer));
        }));
        await workers.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        var presence = (IWorkerPresence)client.Services.GetRequiredService<IPymarTransport>();

        Assert.Equal(new LiveSlots(2, 1), await presence.GetLiveSlotsAsync(nameof(CountProducer)));
        Assert.Equal(default, await presence.GetLiveSlotsAsync(nameof(CountingSumProducer)));
    }

    private static IPymarBuilder Share(IPymarBuilder pymar, InProcessBroker broker, CountingSumProducer producer)
    {
        pymar.Services.AddSingleton(broker).AddSingleton(producer);
        return pymar.AddProducer<CountingSumProducer>().AddDataSource<NumbersDataSource>();
    }

    /// <summary>Sums, counting its slices (one Map call each).</summary>
    public sealed class CountingSumProducer : Producer<long, long>
    {
        private int _slices;

        public int TakeSlices() => Interlocked.Exchange(ref _slices, 0);

        public override IEnumerable<long> Map(IEnumerable<long> items)
        {
            Interlocked.Increment(ref _slices);
            return items;
        }

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}
