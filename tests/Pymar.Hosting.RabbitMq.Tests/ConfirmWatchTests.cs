using Microsoft.Extensions.Time.Testing;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>When publishes that wait for confirms count as stalled, on the watch's own clock.</summary>
public sealed class ConfirmWatchTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly List<int> _stalls = [];
    private bool _paused;

    [Fact]
    public void PublishesThatWaitATimeoutWithoutAnyConfirmAreStalled()
    {
        using var watch = NewWatch();
        watch.Enter();
        watch.Enter();

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(_stalls);
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal([2], _stalls);
    }

    [Fact]
    public void ConfirmsThatKeepComingAreNotAStallHoweverLongPublishesWait()
    {
        using var watch = NewWatch();
        watch.Enter();
        for (var i = 0; i < 20; i++)
        {
            // One publish is confirmed every 10 s while another waits.
            watch.Enter();
            _time.Advance(TimeSpan.FromSeconds(10));
            watch.Leave();
        }

        Assert.Empty(_stalls);
    }

    [Fact]
    public void NothingWaitingIsNeverAStall()
    {
        using var watch = NewWatch();
        watch.Enter();
        watch.Leave();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_stalls);

        // A publish after a long quiet starts its own wait.
        watch.Enter();
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(_stalls);
    }

    [Fact]
    public void WhilePausedPublishesWaitWithoutStallingAndTheirWaitStartsAnewAfter()
    {
        using var watch = NewWatch();
        watch.Enter();
        _paused = true;
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_stalls);

        _paused = false;
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(_stalls);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal([1], _stalls);
    }

    [Fact]
    public void AfterAStallTheNextOneNeedsAWholeTimeoutAgain()
    {
        using var watch = NewWatch();
        watch.Enter();
        _time.Advance(TimeSpan.FromSeconds(38));
        Assert.Single(_stalls);
        _time.Advance(TimeSpan.FromSeconds(22));
        Assert.Single(_stalls);
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(2, _stalls.Count);
    }

    private ConfirmWatch NewWatch() => new(s_timeout, _time, () => _paused, _stalls.Add);
}
