using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>In process: a straggler is copied, the copy's answer counts, and the losing copy is cancelled.</summary>
public sealed class StragglerCopyTests
{
    private const string ProducerName = "StragglerSum";

    [Fact]
    public async Task AStuckSliceIsCopiedAndWhenTheCopyAnswersTheStuckOneIsCancelledWhileTheJobStillRuns()
    {
        var gate = new Gate();
        using var counts = new PymarCounters(ProducerName);
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(gate);
            p.AddProducer<StuckOnceProducer>(ProducerName).AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 3).AddEvents();
        });
        var recorder = new PymarEventRecorder();
        await using var subscription = await host.Services.GetRequiredService<IPymarEventBus>().SubscribeAsync(recorder);

        var options = new MapOptions { SliceCount = 3, StragglerFloor = TimeSpan.FromMilliseconds(200), StragglerMultiple = 1 };
        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new StuckOnceProducer(gate), DataSourceFactory<long>.For<NumbersDataSource>(), options);

        Assert.Equal(5050, sum);
        // The last slice waited for the stuck one to be cancelled: that happened while the job ran, by the copy's answer.
        Assert.False(gate.GaveUpWaiting, "The stuck first copy of slice 0 should have been cancelled while the job still ran (the last slice waits for that, and gave up).");
        Assert.True(gate.StuckCancelled.Task.IsCompleted, "The stuck first copy of slice 0 should have been cancelled.");
        Assert.True(counts["pymar.slices.speculated"] >= 1, "A copy of the stuck slice should have been published.");
        Assert.True(counts["pymar.slices.speculation_won"] >= 1, "The copy's answer should have counted as a won speculation.");
        Assert.Equal(0, counts["pymar.slices.failed"]);

        // The job's end reports its copies as speculative, not as retries.
        await Eventually.HoldsAsync(() => recorder.Events.Any(e => e.Kind == PymarEventKinds.JobFinished && e.Producer == ProducerName), TimeSpan.FromSeconds(10), "the job's end");
        var finished = Assert.Single(recorder.Events, e => e.Kind == PymarEventKinds.JobFinished && e.Producer == ProducerName);
        Assert.Equal((counts["pymar.slices.speculated"], 0), ((long)(finished.Speculative ?? -1), finished.Retries ?? -1));
    }

    /// <summary>Shared by the producer instances of one test: the stuck copy and the slice that waits for it.</summary>
    public sealed class Gate
    {
        private int _stuck;

        public TaskCompletionSource StuckCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The last slice waited 30 s for the stuck copy to be cancelled, in vain.</summary>
        public bool GaveUpWaiting { get; set; }

        public bool TakeStuck() => Interlocked.Exchange(ref _stuck, 1) == 0;
    }

    /// <summary>
    /// The first run of slice 0 hangs until it is cancelled; the last slice waits (at most 30 s) until that has
    /// happened, so the job cannot end before it.
    /// </summary>
    public sealed class StuckOnceProducer(Gate gate) : Producer<long, long>
    {
        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            ArgumentNullException.ThrowIfNull(slice);
            if (slice.Window.Offset == 0 && gate.TakeStuck())
            {
                slice.CancellationToken.WaitHandle.WaitOne();
                gate.StuckCancelled.TrySetResult();
                slice.CancellationToken.ThrowIfCancellationRequested();
            }

            if (slice.Window.End == 100 && !gate.StuckCancelled.Task.Wait(TimeSpan.FromSeconds(30), slice.CancellationToken))
            {
                gate.GaveUpWaiting = true;
            }

            return base.ComputeSlice(slice);
        }
    }
}
