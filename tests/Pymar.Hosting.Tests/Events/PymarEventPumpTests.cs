using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Events;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Events;

/// <summary>The pump sends what gathered in the queue as batches, in order, and drops a batch whose send failed.</summary>
public sealed class PymarEventPumpTests
{
    [Fact]
    public async Task QueuedEventsGoOutInOrderAsBatchesOfAtMostTheCap()
    {
        var publisher = new ChannelEventPublisher(Options.Create(new PymarEventsOptions { QueueCapacity = 4096 }));
        var bus = new BatchRecordingBus();
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(publisher.SliceFinished("job", "SquaredSum", i, 1, 0, TimeSpan.FromMilliseconds(1)));
        }

        using var pump = new PymarEventPump(publisher, bus, NullLogger<PymarEventPump>.Instance);
        await pump.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => bus.Events.Count == 1_000, TimeSpan.FromSeconds(10), "the 1,000 queued events");
        await pump.StopAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 1_000), bus.Events.Select(e => e.SliceIndex!.Value));
        Assert.All(bus.Sizes, size => Assert.InRange(size, 1, PymarEventPump.MaxBatch));
        Assert.True(bus.Sizes.Count <= 8, $"{bus.Sizes.Count} sends for 1,000 queued events");
        Assert.Equal(0, publisher.Dropped);
    }

    [Fact]
    public async Task ASliceStartedWhoseEndIsInTheSameBatchIsLeftOutAndAStillRunningOneIsSent()
    {
        var publisher = new ChannelEventPublisher(Options.Create(new PymarEventsOptions()));
        var bus = new BatchRecordingBus();
        Assert.True(publisher.SliceStarted("job", "SquaredSum", 0, 1, 0));
        Assert.True(publisher.SliceStarted("job", "SquaredSum", 1, 1, 1));
        Assert.True(publisher.SliceFinished("job", "SquaredSum", 0, 1, 0, TimeSpan.FromMilliseconds(3)));

        using var pump = new PymarEventPump(publisher, bus, NullLogger<PymarEventPump>.Instance);
        await pump.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => bus.Events.Count == 2, TimeSpan.FromSeconds(10), "the two events that say something");
        await pump.StopAsync(CancellationToken.None);

        Assert.Equal(
            [(PymarEventKinds.SliceStarted, 1), (PymarEventKinds.SliceFinished, 0)],
            bus.Events.Select(e => (e.Kind, e.SliceIndex!.Value)));
    }

    [Fact]
    public async Task ABatchThatCannotBeSentIsDroppedAndCountedAndTheNextOnesStillGo()
    {
        var publisher = new ChannelEventPublisher(Options.Create(new PymarEventsOptions()));
        var bus = new BatchRecordingBus { FailNext = 1 };
        using var pump = new PymarEventPump(publisher, bus, NullLogger<PymarEventPump>.Instance);
        await pump.StartAsync(CancellationToken.None);

        Assert.True(publisher.SliceStarted("job", "SquaredSum", 0, 1, 0));
        await Eventually.HoldsAsync(() => publisher.Dropped == 1, TimeSpan.FromSeconds(10), "the failed send counted");
        Assert.True(publisher.SliceStarted("job", "SquaredSum", 1, 1, 0));
        await Eventually.HoldsAsync(() => bus.Events.Count == 1, TimeSpan.FromSeconds(10), "the next event sent");
        await pump.StopAsync(CancellationToken.None);

        Assert.Equal(1, Assert.Single(bus.Events).SliceIndex);
    }

    private sealed class BatchRecordingBus : IPymarEventBus
    {
        private readonly Lock _lock = new();
        private readonly List<PymarEvent> _events = [];
        private readonly List<int> _sizes = [];

        public int FailNext { get; set; }

        public IReadOnlyList<PymarEvent> Events
        {
            get
            {
                lock (_lock)
                {
                    return [.. _events];
                }
            }
        }

        public IReadOnlyList<int> Sizes
        {
            get
            {
                lock (_lock)
                {
                    return [.. _sizes];
                }
            }
        }

        public ValueTask PublishAsync(PymarEvent pymarEvent, CancellationToken cancellationToken = default) =>
            PublishBatchAsync([pymarEvent], cancellationToken);

        public ValueTask PublishBatchAsync(IReadOnlyList<PymarEvent> events, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                if (FailNext > 0)
                {
                    FailNext--;
                    throw new IOException("the broker is gone");
                }

                _sizes.Add(events.Count);
                _events.AddRange(events);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<IAsyncDisposable> SubscribeAsync(IPymarEventHandler handler, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
