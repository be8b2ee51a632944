using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task AJobHasASpanAndEachSliceASpanInTheSameTraceAndTheCountersAddUp()
    {
        const string producerName = "TelemetrySum";
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = ListenToSpansOf(producerName, activities);
        using var counts = new PymarCounters(producerName);
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>(producerName).AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 5 });
        await Eventually.HoldsAsync(() => activities.Count(a => a.OperationName == "pymar.slice") == 5 && activities.Any(a => a.OperationName == "pymar.job"), TimeSpan.FromSeconds(10), "the spans to stop");

        Assert.Equal(5050, sum);
        var job = Assert.Single(activities, a => a.OperationName == "pymar.job");
        var slices = activities.Where(a => a.OperationName == "pymar.slice").ToList();
        Assert.All(slices, s => Assert.Equal(job.TraceId, s.TraceId));
        Assert.All(slices, s => Assert.Equal(job.GetTagItem("pymar.job.id"), s.GetTagItem("pymar.job.id")));
        Assert.Equal(5, counts["pymar.slices.published"]);
        Assert.Equal(5, counts["pymar.slices.completed"]);
    }

    [Fact]
    public async Task InProcessEachSliceSpanIsAChildOfTheJobSpanWithTheCallersBaggageAndMessagingAttributes()
    {
        const string producerName = "TelemetryPropagated";
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = ListenToSpansOf(producerName, activities);
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>(producerName).AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));

        var tenant = "tenant-" + Guid.NewGuid().ToString("N");
        long sum;
        using (new Activity("caller").AddBaggage("tenant", tenant).Start())
        {
            sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 3 });
        }

        await Eventually.HoldsAsync(() => activities.Count(a => a.OperationName == "pymar.slice") == 3 && activities.Any(a => a.OperationName == "pymar.job"), TimeSpan.FromSeconds(10), "the spans to stop");
        Assert.Equal(5050, sum);
        var job = Assert.Single(activities, a => a.OperationName == "pymar.job");
        Assert.Equal(("pymar.inprocess", producerName, "send"), (job.GetTagItem("messaging.system"), job.GetTagItem("messaging.destination.name"), job.GetTagItem("messaging.operation.type")));
        var slices = activities.Where(a => a.OperationName == "pymar.slice").ToList();
        Assert.All(slices, s => Assert.Equal((job.TraceId, job.SpanId), (s.TraceId, s.ParentSpanId)));
        Assert.All(slices, s => Assert.Equal(tenant, s.GetBaggageItem("tenant")));
        Assert.All(slices, s => Assert.Equal(("pymar.inprocess", producerName, "process"), (s.GetTagItem("messaging.system"), s.GetTagItem("messaging.destination.name"), s.GetTagItem("messaging.operation.type"))));
        Assert.All(slices, s => Assert.Equal(job.GetTagItem("pymar.job.id"), s.GetTagItem("pymar.job.id")));
        Assert.Equal([0, 1, 2], slices.Select(s => (int)s.GetTagItem("pymar.slice.index")!).Order());
    }

    [Fact]
    public async Task ASliceAnsweredWithAnErrorCountsAsFailed()
    {
        const string producerName = "TelemetryThrowing";
        using var counts = new PymarCounters(producerName);
        using var host = await TestHosts.StartAsync(p => p.AddProducer<ThrowingProducer>(producerName).AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));

        var result = await host.Services.GetRequiredService<ProducerClient>().MapWithFailuresAsync(new ThrowingProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10 });

        Assert.Single(result.Failures);
        Assert.Equal((1L, 9L), (counts["pymar.slices.failed"], counts["pymar.slices.completed"]));
    }

    [Fact]
    public async Task ASliceDeliveredAgainCountsAsRedelivered()
    {
        const string producerName = "TelemetryRedelivered";
        using var counts = new PymarCounters(producerName);
        var broker = new InProcessBroker();
        var producer = new Workers.WorkerServiceTests.StuckOnceProducer();
        void Configure(IPymarBuilder p)
        {
            p.Services.AddSingleton(broker).AddSingleton(producer);
            p.AddProducer<Workers.WorkerServiceTests.StuckOnceProducer>(producerName).AddDataSource<NumbersDataSource>();
        }

        using var first = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 1); });
        using var producerHost = await TestHosts.StartAsync(Configure);
        var job = producerHost.Services.GetRequiredService<ProducerClient>()
            .MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 2, Timeout = TimeSpan.FromSeconds(30) });
        await Eventually.HoldsAsync(() => producer.Stuck.IsSet, TimeSpan.FromSeconds(30), "the first worker to be inside a slice");
        Assert.Equal(0, counts["pymar.slices.redelivered"]);
        using (var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await first.StopAsync(shutdown.Token);
        }

        using var second = await TestHosts.StartAsync(p => { Configure(p); p.AddWorkers(o => o.Concurrency = 1); });

        Assert.Equal(5050, await job);
        Assert.Equal(1, counts["pymar.slices.redelivered"]);
    }

    /// <summary>Records every finished Pymar span of <paramref name="producerName"/> into <paramref name="activities"/>.</summary>
    private static ActivityListener ListenToSpansOf(string producerName, ConcurrentQueue<Activity> activities)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PymarTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("pymar.producer"), producerName))
                {
                    activities.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
