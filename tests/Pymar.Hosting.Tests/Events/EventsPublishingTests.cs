using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Events;

/// <summary>The worker pool and the producer publish their events on the in-process bus; a setting turns them off.</summary>
public sealed class EventsPublishingTests
{
    [Fact]
    public async Task AJobPublishesItsStartEachSlicesStartAndEndAndItsEndWithTheAnswersSizeAndTheWorkerItsHeartbeat()
    {
        using var host = await TestHosts.StartAsync(
            p => p.AddProducer<SumProducer>("EventsSum").AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2).AddEvents(),
            new Dictionary<string, string?> { ["Pymar:Events:HeartbeatInterval"] = "00:00:00.100" });
        var recorder = new PymarEventRecorder();
        await using var subscription = await host.Services.GetRequiredService<IPymarEventBus>().SubscribeAsync(recorder);

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 5 });

        Assert.Equal(5050, sum);
        await Eventually.HoldsAsync(() => recorder.Events.Any(e => e.Kind == PymarEventKinds.JobFinished) && recorder.Events.Any(e => e.Kind == PymarEventKinds.WorkerHeartbeat && e.SlicesDone == 5), TimeSpan.FromSeconds(10), "the job's end and a heartbeat after it");
        var job = Assert.Single(recorder.Events, e => e.Kind == PymarEventKinds.JobStarted);
        Assert.Equal(("EventsSum", 5), (job.Producer, job.SliceCount));
        var finished = Assert.Single(recorder.Events, e => e.Kind == PymarEventKinds.JobFinished);
        Assert.Equal((job.JobId, 5, 0, 4L), (finished.JobId, finished.Answered, finished.Retries, finished.AnswerBytes)); // "5050"
        var started = recorder.ForJob(job.JobId!).Where(e => e.Kind == PymarEventKinds.SliceStarted).ToList();
        var ended = recorder.ForJob(job.JobId!).Where(e => e.Kind == PymarEventKinds.SliceFinished).ToList();
        // A slice.started whose end went out in the same batch is left out (the end carries the duration).
        Assert.Equal([0, 1, 2, 3, 4], ended.Select(e => e.SliceIndex!.Value).Order());
        Assert.All(started, e => Assert.InRange(e.SliceIndex!.Value, 0, 4));
        Assert.Equal(started.Count, started.Select(e => e.SliceIndex).Distinct().Count());
        Assert.All(ended, e => Assert.True(e.Slot is 0 or 1 && e.Attempt == 1 && e.DurationMs >= 0, $"slot {e.Slot}, attempt {e.Attempt}, {e.DurationMs} ms"));
        var heartbeat = recorder.Events.Last(e => e.Kind == PymarEventKinds.WorkerHeartbeat);
        Assert.Equal(2, heartbeat.SlotsTotal);
        Assert.Equal(["EventsSum"], heartbeat.Producers!);

        // A worker that stops says so (the pump sends what is queued before it stops).
        await host.StopAsync();
        Assert.Contains(recorder.Events, e => e.Kind == PymarEventKinds.WorkerStopped);
    }

    [Fact]
    public async Task WithEventsOffNothingIsPublishedAndThePublisherIsTheNullOne()
    {
        using var host = await TestHosts.StartAsync(
            p => p.AddProducer<SumProducer>("EventsOffSum").AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2).AddEvents(),
            new Dictionary<string, string?> { ["Pymar:Events:Enabled"] = "false", ["Pymar:Events:HeartbeatInterval"] = "00:00:00.050" });
        var recorder = new PymarEventRecorder();
        await using var subscription = await host.Services.GetRequiredService<IPymarEventBus>().SubscribeAsync(recorder);

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 5 });

        Assert.Equal(5050, sum);
        Assert.Same(NullPymarEventPublisher.Instance, host.Services.GetRequiredService<IPymarEventPublisher>());
        Assert.Empty(recorder.Events);
    }
}
