using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;

namespace Pymar.Hosting.Tests.Events;

public sealed class PymarEventPublisherTests
{
    [Fact]
    public void FullQueueDropsAndCountsInsteadOfWaiting()
    {
        // The host is never started, so nothing drains the queue: the 17th event finds it full.
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPymar().AddEvents(o => o.QueueCapacity = 16);
        using var host = builder.Build();
        var publisher = host.Services.GetRequiredService<IPymarEventPublisher>();

        var accepted = Enumerable.Range(0, 20).Count(i => publisher.SliceStarted("job", "SquaredSum", i, 1, 0));

        Assert.Equal(16, accepted);
        Assert.Equal(4, publisher.Dropped);
    }

    [Fact]
    public async Task WorkerStatusIsSentAsHeartbeatsAndStoppingSaysSo()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IPymarWorkerStatus>(new FixedStatus());
        builder.Services.AddPymar().AddEvents(o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();
        var recorder = new PymarEventRecorder();
        await using (await host.Services.GetRequiredService<IPymarEventBus>().SubscribeAsync(recorder))
        {
            await host.StartAsync();
            await Eventually.HoldsAsync(() => recorder.Events.Count(e => e.Kind == PymarEventKinds.WorkerHeartbeat) >= 2, TimeSpan.FromSeconds(20), "two heartbeats");
            await host.StopAsync();
            await Eventually.HoldsAsync(() => recorder.Events.Any(e => e.Kind == PymarEventKinds.WorkerStopped), TimeSpan.FromSeconds(20), "worker.stopped");
        }

        var beat = recorder.Events.First(e => e.Kind == PymarEventKinds.WorkerHeartbeat);
        Assert.Equal(["SquaredSum", "WordCount"], beat.Producers!);
        Assert.Equal((4, 3, 42L, 0.1), (beat.SlotsTotal, beat.SlotsBusy, beat.SlicesDone, beat.HeartbeatSeconds));
        Assert.Null(beat.SlotsMin);
        Assert.Null(beat.SlotsMax);
        Assert.Equal($"{Environment.MachineName}/{Environment.ProcessId}", beat.Worker);
    }

    private sealed class FixedStatus : IPymarWorkerStatus
    {
        public IReadOnlyList<string> Producers { get; } = ["SquaredSum", "WordCount"];

        public int SlotsTotal => 4;

        public int SlotsBusy => 3;

        public long SlicesDone => 42;
    }
}
