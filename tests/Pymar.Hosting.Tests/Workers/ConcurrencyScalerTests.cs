using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

/// <summary>How an elastic pool's slots follow its backlog, on a fake clock.</summary>
public sealed class ConcurrencyScalerTests
{
    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void StartsAtTheMinimumAndGrowsOneSlotASecondWhileSlicesWait()
    {
        var scaler = new ConcurrencyScaler(new WorkerConcurrency(2, 6), s_idle, _time);
        Assert.Equal(2, scaler.Slots);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Null(scaler.Sample(backlog: 40, busy: 2, cpuLoad: 0.3));

        _time.Advance(TimeSpan.FromMilliseconds(500));
        var change = scaler.Sample(backlog: 40, busy: 2, cpuLoad: 0.3);
        Assert.Equal((2, 3), (change?.From, change?.To));
        Assert.Contains("40 slice(s) waiting", change?.Reason, StringComparison.Ordinal);

        // Sooner than a second after a change: no second step.
        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Null(scaler.Sample(backlog: 40, busy: 3, cpuLoad: 0.3));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, scaler.Sample(backlog: 40, busy: 3, cpuLoad: 0.3)?.To);
    }

    [Fact]
    public void NeverGrowsAboveTheMaximum()
    {
        var scaler = new ConcurrencyScaler(new WorkerConcurrency(2, 4), s_idle, _time);

        EverySecond(scaler, seconds: 10, backlog: 100, cpuLoad: 0.1);

        Assert.Equal(4, scaler.Slots);
    }

    [Fact]
    public void HoldsWhileTheProcessCpuIsSaturated()
    {
        var scaler = new ConcurrencyScaler(new WorkerConcurrency(2, 6), s_idle, _time);

        Assert.All(EverySecond(scaler, seconds: 5, backlog: 100, cpuLoad: 0.95), Assert.Null);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, scaler.Sample(backlog: 100, busy: 2, cpuLoad: 0.5)?.To);
    }

    [Fact]
    public void ShrinksToTheMinimumOnceNothingWaitedForTheIdlePeriod()
    {
        var scaler = Grown(new WorkerConcurrency(2, 6), to: 5);

        _time.Advance(s_idle - TimeSpan.FromSeconds(1));
        Assert.Null(scaler.Sample(backlog: 0, busy: 0, cpuLoad: 0));

        _time.Advance(TimeSpan.FromSeconds(1));
        var change = scaler.Sample(backlog: 0, busy: 0, cpuLoad: 0);
        Assert.Equal((5, 2), (change?.From, change?.To));
        Assert.Contains("no slice waiting for 10 s", change?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ABacklogRestartsTheIdlePeriod()
    {
        var scaler = Grown(new WorkerConcurrency(1, 6), to: 4);

        _time.Advance(s_idle - TimeSpan.FromSeconds(1));
        scaler.Sample(backlog: 1, busy: 4, cpuLoad: 0.95);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(scaler.Sample(backlog: 0, busy: 0, cpuLoad: 0));
        Assert.Equal(4, scaler.Slots);
    }

    [Fact]
    public void ShrinkingKeepsTheBusySlotsAndFollowsThemDown()
    {
        var scaler = Grown(new WorkerConcurrency(2, 6), to: 6);
        _time.Advance(s_idle);

        Assert.Equal(4, scaler.Sample(backlog: 0, busy: 4, cpuLoad: 0.2)?.To);
        Assert.Null(scaler.Sample(backlog: 0, busy: 4, cpuLoad: 0.2));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, scaler.Sample(backlog: 0, busy: 1, cpuLoad: 0)?.To);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(scaler.Sample(backlog: 0, busy: 0, cpuLoad: 0));
        Assert.Equal(2, scaler.Slots);
    }

    /// <summary>A scaler grown to <paramref name="to"/> slots under a backlog; the idle period starts at the last sample.</summary>
    private ConcurrencyScaler Grown(WorkerConcurrency range, int to)
    {
        var scaler = new ConcurrencyScaler(range, s_idle, _time);
        while (scaler.Slots < to)
        {
            EverySecond(scaler, seconds: 1, backlog: 10, cpuLoad: 0.1);
        }

        return scaler;
    }

    /// <summary>Samples once a second for <paramref name="seconds"/> seconds, every slot busy; returns what each sample decided.</summary>
    private List<ConcurrencyChange?> EverySecond(ConcurrencyScaler scaler, int seconds, long backlog, double cpuLoad)
    {
        var changes = new List<ConcurrencyChange?>();
        for (var second = 0; second < seconds; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            changes.Add(scaler.Sample(backlog, busy: scaler.Slots, cpuLoad));
        }

        return changes;
    }
}
