using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task AJobHasASpanAndEachSliceASpanInTheSameTraceAndTheCountersAddUp()
    {
        const string producerName = "TelemetrySum";
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
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
        ActivitySource.AddActivityListener(activityListener);
        var counts = new ConcurrentDictionary<string, long>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PymarTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "pymar.producer" && Equals(tag.Value, producerName))
                {
                    counts.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
                }
            }
        });
        meterListener.Start();
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>(producerName).AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 5 });
        await Eventually.HoldsAsync(() => activities.Count(a => a.OperationName == "pymar.slice") == 5 && activities.Any(a => a.OperationName == "pymar.job"), TimeSpan.FromSeconds(10), "the spans to stop");

        Assert.Equal(5050, sum);
        var job = Assert.Single(activities, a => a.OperationName == "pymar.job");
        var slices = activities.Where(a => a.OperationName == "pymar.slice").ToList();
        Assert.All(slices, s => Assert.Equal(job.TraceId, s.TraceId));
        Assert.All(slices, s => Assert.Equal(job.GetTagItem("pymar.job.id"), s.GetTagItem("pymar.job.id")));
        Assert.Equal(5, counts.GetValueOrDefault("pymar.slices.published"));
        Assert.Equal(5, counts.GetValueOrDefault("pymar.slices.completed"));
    }
}
