using System.Text.Json;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.State;

/// <summary>
/// Anyone allowed to publish on the events exchange can send any value: the state bounds what it keeps, so one absurd
/// event never breaks a snapshot, and nothing grows without end while no page asks for one.
/// </summary>
public sealed class HostileEventTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static (DashboardState State, ManualTimeProvider Time) Create()
    {
        var options = new PymarDashboardOptions { StaleAfterMissedHeartbeats = 3, RemoveStaleAfter = TimeSpan.FromSeconds(30) };
        var time = new ManualTimeProvider(s_start);
        return (new DashboardState(Options.Create(options), time), time);
    }

    private static string Serialize(DashboardState state) => JsonSerializer.Serialize(state.Snapshot(), DashboardJsonContext.Default.DashboardSnapshot);

    [Fact]
    public void AHeartbeatOfATrillionSecondsLeavesTheSnapshotWorkingAndTheWorkerGoesStaleWithinAnHour()
    {
        var (state, time) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("node1/10", s_start, busy: 1, done: 5, intervalSeconds: 1e12));

        Assert.Contains("\"node1/10\"", Serialize(state), StringComparison.Ordinal);
        time.Advance(TimeSpan.FromHours(3) + TimeSpan.FromSeconds(1));
        Assert.Equal("stale", Assert.Single(state.Snapshot().Workers).State);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(state.Snapshot().Workers);
    }

    public static TheoryData<string, PymarEvent> Absurd => new()
    {
        { "negative heartbeat", new() { Kind = PymarEventKinds.WorkerHeartbeat, Worker = "w/1", HeartbeatSeconds = -1, SlotsTotal = -5, SlotsBusy = int.MaxValue, SlicesDone = -1 } },
        { "an absurd slot range", new() { Kind = PymarEventKinds.WorkerHeartbeat, Worker = "w/1", SlotsTotal = 2, SlotsMin = int.MinValue, SlotsMax = int.MaxValue } },
        { "infinite heartbeat", new() { Kind = PymarEventKinds.WorkerHeartbeat, Worker = "w/1", HeartbeatSeconds = double.PositiveInfinity } },
        { "elapsed beyond time", new() { Kind = PymarEventKinds.JobProgress, JobId = "j", SliceCount = 4, Answered = 1, ElapsedMs = 1e300 } },
        { "negative elapsed", new() { Kind = PymarEventKinds.JobFinished, JobId = "j", SliceCount = 4, Answered = 4, ElapsedMs = -1e18 } },
        { "negative slice count", new() { Kind = PymarEventKinds.JobStarted, JobId = "j", SliceCount = -3, Answered = -7, Retries = -1, Speculative = -1 } },
        { "a slice of 1e300 ms", new() { Kind = PymarEventKinds.SliceFinished, Worker = "w/1", JobId = "j", SliceIndex = 0, Attempt = 1, DurationMs = 1e300 } },
        { "a slice of minus 1e300 ms", new() { Kind = PymarEventKinds.SliceFailed, Worker = "w/1", JobId = "j", SliceIndex = 0, Attempt = 1, DurationMs = -1e300 } },
        { "the end of time", new() { Kind = PymarEventKinds.SliceStarted, Worker = "w/1", JobId = "j", SliceIndex = 0, Attempt = 1, Time = DateTimeOffset.MaxValue } },
        { "the start of time", new() { Kind = PymarEventKinds.JobProgress, JobId = "j", SliceCount = 4, ElapsedMs = 5, Time = DateTimeOffset.MinValue } },
    };

    [Theory]
    [MemberData(nameof(Absurd))]
    public void AnAbsurdValueIsBoundedAtIngestAndEverySnapshotStillSerializes(string @case, PymarEvent absurd)
    {
        var (state, time) = Create();
        state.OnEvent(absurd);
        Serialize(state);
        foreach (var e in SimulatedWork.Job("after", ["node1/10", "node2/11"], s_start))
        {
            state.OnEvent(e);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var snapshot = state.Snapshot();
        Serialize(state);
        Assert.True(snapshot.Workers.All(w => w.SlotsTotal >= 0 && w.SlotsBusy >= 0 && w.SlotsBusy <= Math.Max(w.SlotsTotal, 0) && w.SlicesDone >= 0), @case);
        Assert.True(snapshot.Jobs.Concat(snapshot.History).All(j => j.Answered >= 0 && j.SliceCount is null or >= 0 && j.ElapsedMs is >= 0 and < 1e12 && j.Retries >= 0), @case);
        Assert.True(snapshot.Slices.All(s => s.End is null || (s.End >= s.Start && s.End - s.Start < 1e12)), @case);
        Assert.Equal("finished", snapshot.History.Single(j => j.JobId == "after").State);
    }

    [Fact]
    public void SliceBarsJobsAndWorkersStayBoundedWhileNoPageIsOpen()
    {
        var (state, _) = Create();
        for (var i = 0; i < 60_000; i++)
        {
            var id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            state.OnEvent(new PymarEvent { Kind = PymarEventKinds.SliceFinished, Time = s_start, Worker = "w" + id, JobId = "job" + id, Producer = "P", SliceIndex = i, Attempt = 1, Slot = 0, DurationMs = 1 });
        }

        var held = state.Held;
        Assert.True(held.Slices <= DashboardState.MaxBars, $"{held.Slices} slice bars held");
        Assert.True(held.Jobs <= DashboardState.MaxJobs, $"{held.Jobs} jobs held");
        Assert.True(held.Workers <= DashboardState.MaxWorkers, $"{held.Workers} workers held");
    }

    [Fact]
    public void AHugeErrorTextIsCutShort()
    {
        var (state, _) = Create();
        state.OnEvent(new PymarEvent { Kind = PymarEventKinds.JobFailed, Time = s_start, JobId = "j", Producer = "P", SliceCount = 1, Error = new string('x', 1_000_000) });

        Assert.True(state.Snapshot().History.Single().Error!.Length <= 4096);
    }
}
