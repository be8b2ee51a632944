using System.Diagnostics;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>The lookahead follows the slice time, so short slices keep the slots busy and long ones are not hoarded.</summary>
public sealed class AdaptiveLookaheadTests
{
    private const int Slots = 2;
    private const int Floor = 2;
    private const int Max = 32;
    private static readonly TimeSpan s_work = TimeSpan.FromMilliseconds(5);

    [Fact]
    public void ShortSlicesGrowTheLookaheadToTheSlicesTheSlotsFinishInTheWorkTime()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);

        // Both slots busy for 250 ms, each finishing a slice every 0.8 ms: 2,500 slices a second, 12.5 in 5 ms.
        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(0.8), TimeSpan.FromMilliseconds(250));

        Assert.True(lookahead.Decide(end));
        Assert.Equal(13, lookahead.Lookahead);
        Assert.Equal(Slots + 13, lookahead.Budget);
    }

    [Fact]
    public void VeryShortSlicesStopAtTheMaximum()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);

        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(0.05), TimeSpan.FromMilliseconds(100));

        Assert.True(lookahead.Decide(end));
        Assert.Equal(Max, lookahead.Lookahead);
    }

    [Fact]
    public void LongSlicesKeepTheFloor()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);

        // Slices of 20 ms: 100 a second, half a slice in 5 ms.
        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1));

        Assert.False(lookahead.Decide(end));
        Assert.Equal(Floor, lookahead.Lookahead);
    }

    [Fact]
    public void WhenSlicesTurnLongTheLookaheadShrinksBackToTheFloor()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);
        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(0.1), TimeSpan.FromMilliseconds(100));
        Assert.True(lookahead.Decide(end));
        Assert.Equal(Max, lookahead.Lookahead);

        end = RunBusy(lookahead, end, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1));

        Assert.True(lookahead.Decide(end));
        Assert.Equal(Floor, lookahead.Lookahead);
    }

    [Fact]
    public void AnIdleOrHalfBusyWorkerDoesNotReadAsASlowOne()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);
        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(0.1), TimeSpan.FromMilliseconds(100));
        Assert.True(lookahead.Decide(end));

        // One slice at a time for a second, then nothing: never every slot busy, so nothing to decide from.
        var at = end;
        for (var i = 0; i < 100; i++)
        {
            lookahead.Delivered(at);
            at += Ticks(TimeSpan.FromMilliseconds(10));
            lookahead.Settled(at);
        }

        Assert.False(lookahead.Decide(at + Ticks(TimeSpan.FromSeconds(5))));
        Assert.Equal(Max, lookahead.Lookahead);
    }

    [Fact]
    public void ASmallChangeOfRateDoesNotChangeTheLookahead()
    {
        var lookahead = new AdaptiveLookahead(Slots, Floor, Max, s_work, now: 0);
        var end = RunBusy(lookahead, start: 0, TimeSpan.FromMilliseconds(0.8), TimeSpan.FromMilliseconds(250));
        Assert.True(lookahead.Decide(end));
        var grown = lookahead.Lookahead;

        // 20 % slower: the lookahead it would pick is within the band that keeps the one it has.
        end = RunBusy(lookahead, end, TimeSpan.FromMilliseconds(1.0), TimeSpan.FromMilliseconds(250));

        Assert.False(lookahead.Decide(end));
        Assert.Equal(grown, lookahead.Lookahead);
    }

    /// <summary>Keeps every slot busy (slots + 1 slices held) for <paramref name="length"/>, each slot finishing a slice every <paramref name="slice"/>.</summary>
    private static long RunBusy(AdaptiveLookahead lookahead, long start, TimeSpan slice, TimeSpan length)
    {
        var at = start;
        for (var i = 0; i <= Slots; i++)
        {
            lookahead.Delivered(at);
        }

        // The worker as a whole finishes a slice every slice / slots.
        var step = Ticks(slice) / Slots;
        var end = start + Ticks(length);
        while (at + step <= end)
        {
            at += step;
            lookahead.Settled(at);
            lookahead.Delivered(at);
        }

        for (var i = 0; i <= Slots; i++)
        {
            lookahead.Settled(at);
        }

        return at;
    }

    private static long Ticks(TimeSpan time) => (long)(time.TotalSeconds * Stopwatch.Frequency);
}
