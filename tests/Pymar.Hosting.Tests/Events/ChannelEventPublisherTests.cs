using Microsoft.Extensions.Options;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Tests.Events;

/// <summary>The publisher's queue; events arrive stamped with when and where they happened.</summary>
public sealed class ChannelEventPublisherTests
{
    [Fact]
    public void ATypedHelpersEventIsStampedWhereItIsMadeAndQueuedAsItIs()
    {
        var publisher = new ChannelEventPublisher(Options.Create(new PymarEventsOptions()));
        var before = DateTimeOffset.UtcNow;

        Assert.True(publisher.SliceFinished("job-1", "Sum", 3, 1, 0, TimeSpan.FromMilliseconds(12.5)));

        Assert.True(publisher.Reader.TryRead(out var queued));
        Assert.Equal((PymarEventKinds.SliceFinished, "job-1", 3, 12.5), (queued.Kind, queued.JobId, queued.SliceIndex, queued.DurationMs));
        Assert.InRange(queued.Time, before, DateTimeOffset.UtcNow);
        Assert.Equal((Environment.MachineName, Environment.ProcessId), (queued.Host, queued.ProcessId));
        Assert.Equal($"{Environment.MachineName}/{Environment.ProcessId}", queued.Worker);
    }

    [Fact]
    public void AnEventBuiltByHandIsStampedByThePublisherAndKeepsWhatItSetItself()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var publisher = new ChannelEventPublisher(Options.Create(new PymarEventsOptions()), time);
        var byHand = new PymarEvent { Kind = PymarEventKinds.JobStarted, JobId = "job-2", Host = "elsewhere" };

        Assert.True(publisher.Publish(byHand));

        Assert.True(publisher.Reader.TryRead(out var queued));
        Assert.Equal((time.Now, "elsewhere", Environment.ProcessId, "job-2"), (queued.Time, queued.Host, queued.ProcessId, queued.JobId));
        Assert.Equal(default, byHand.Time); // the caller's event is not changed
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now => now;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
