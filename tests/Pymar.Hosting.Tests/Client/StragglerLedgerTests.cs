using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Client;
using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// Each rule of the straggler ledger on its own, on a fake clock: the test publishes and answers, the ledger says
/// which slices to copy. Floor 5 s, multiple 4; answers computed in 10 ms, so the threshold is the floor.
/// </summary>
public sealed class StragglerLedgerTests
{
    private static readonly MapOptions s_options = new() { StragglerFloor = TimeSpan.FromSeconds(5) };
    private readonly FakeTimeProvider _time = new();
    private bool[] _finished = [];

    [Fact]
    public void BeforeAnyAnswerOnlyTheOldestSliceIsCopiedAfterTheFloorThenAfterTwiceAsLong()
    {
        var ledger = Ledger(slices: 3, published: 3);

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Empty(ledger.FindStragglers(connected: true));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
        ledger.Publishing(0, 2);

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Empty(ledger.FindStragglers(connected: true));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
    }

    [Fact]
    public void ASliceHeldWhileALaterOneWasAnsweredIsCopiedOnceTheThresholdPassedSinceThatOneStarted()
    {
        // Slice 0 went to a frozen worker; slices 1..3 are answered in turn, so the job has not stalled.
        var ledger = Ledger(slices: 4, published: 4);
        _time.Advance(TimeSpan.FromSeconds(1));
        ledger.Answered(1, Reply(1));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Empty(ledger.FindStragglers(connected: true));
        ledger.Answered(2, Reply(2));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Empty(ledger.FindStragglers(connected: true));
        ledger.Answered(3, Reply(3));

        // Slice 1 started at 0.99 s (answered at 1 s, computed in 10 ms): slice 0 had left the queue by then, and is
        // copied once the threshold has passed since, at 5.99 s.
        _time.Advance(TimeSpan.FromSeconds(1.97));
        Assert.Empty(ledger.FindStragglers(connected: true));
        _time.Advance(TimeSpan.FromSeconds(0.03));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
    }

    [Fact]
    public void WhenNoAnswerCameForTheThresholdEverythingPublishedThatLongAgoIsCopied()
    {
        var ledger = Ledger(slices: 4, published: 4);
        ledger.Answered(3, Reply(3));

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Empty(ledger.FindStragglers(connected: true));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([0, 1, 2], ledger.FindStragglers(connected: true));
    }

    [Fact]
    public void ASliceIsCopiedThreeTimesThenOnlyAsLostAfterTwiceFourTimesTheThreshold()
    {
        var ledger = Ledger(slices: 2, published: 2);
        ledger.Answered(1, Reply(1));
        var copiedAt = new List<TimeSpan>();
        var start = _time.GetUtcNow();
        for (var step = 0; step < 1200 && copiedAt.Count < 5; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.1));
            if (ledger.FindStragglers(connected: true) is [0])
            {
                copiedAt.Add(_time.GetUtcNow() - start);
                ledger.Publishing(0, copiedAt.Count + 1);
            }
        }

        // Each of the three copies once the threshold has passed since the last publish (no answer came: the job
        // stalled); then as lost, after 2x and 4x the threshold.
        Assert.Equal(5, copiedAt.Count);
        Assert.Equal(5, copiedAt[0].TotalSeconds, 0.05);
        Assert.Equal(10, copiedAt[1].TotalSeconds, 0.05);
        Assert.Equal(15, copiedAt[2].TotalSeconds, 0.05);
        Assert.Equal(25, copiedAt[3].TotalSeconds, 0.05);
        Assert.Equal(45, copiedAt[4].TotalSeconds, 0.05);
    }

    [Fact]
    public void ASliceWaitingForItsRetrysBackoffIsNotCopied()
    {
        var ledger = Ledger(slices: 2, published: 2);
        ledger.Answered(1, Reply(1));
        ledger.BackingOff(0);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(ledger.FindStragglers(connected: true));

        // Its retry is published: from then on it is watched like any publish.
        ledger.Publishing(0, 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
    }

    [Fact]
    public void ACopyThatFailedToPublishIsDueAgainOnceTheTransportIsConnectedAndIsNotCountedAgainstTheSlice()
    {
        var ledger = Ledger(slices: 2, published: 2);
        ledger.Answered(1, Reply(1));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
        ledger.CopyFailed(0);

        Assert.Empty(ledger.FindStragglers(connected: false));
        Assert.Equal([0], ledger.FindStragglers(connected: true));
        Assert.Contains("by copies 0/1/2/3/more: 0/1/0/0/0", ledger.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnAnswerFromACopyIsAWonSpeculationAndOneFromTheOriginalIsNot()
    {
        var ledger = Ledger(slices: 3, published: 3);
        ledger.Answered(2, Reply(2));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([0, 1], ledger.FindStragglers(connected: true));
        ledger.Copying(0, 2);
        ledger.Publishing(0, 2);
        ledger.Copying(1, 2);
        ledger.Publishing(1, 2);

        Assert.True(ledger.Answered(0, Reply(0, attempt: 2)));
        Assert.False(ledger.Answered(1, Reply(1, attempt: 1)));
        Assert.True(ledger.WasCopied(1));
    }

    private StragglerLedger Ledger(int slices, int published)
    {
        _finished = new bool[slices];
        var ledger = new StragglerLedger(_finished, s_options, _time);
        ledger.Started();
        for (var i = 0; i < published; i++)
        {
            ledger.Publishing(i, 1);
        }

        return ledger;
    }

    /// <summary>A value reply computed in 10 ms; the slice counts as answered, as the job marks it.</summary>
    private SliceReply Reply(int slice, int attempt = 1)
    {
        _finished[slice] = true;
        return new SliceReply { JobId = "job1", SliceIndex = slice, Attempt = attempt, WorkerId = "w1", ComputeMilliseconds = 10 };
    }
}
