using Microsoft.Extensions.Options;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.State;

public sealed class DashboardStateTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static (DashboardState State, ManualTimeProvider Time) Create(Action<PymarDashboardOptions>? configure = null)
    {
        var options = new PymarDashboardOptions { StaleAfterMissedHeartbeats = 3, RemoveStaleAfter = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        var time = new ManualTimeProvider(s_start);
        return (new DashboardState(Options.Create(options), time), time);
    }

    [Fact]
    public void WorkerTurnsStaleAfterMissedHeartbeatsThenDisappears()
    {
        var (state, time) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("node1/10", s_start, busy: 1, done: 5, intervalSeconds: 2));

        var worker = Assert.Single(state.Snapshot().Workers);
        Assert.Equal(("node1/10", "node1", 10, "ok", 1, 2, 5L), (worker.Id, worker.Host, worker.ProcessId, worker.State, worker.SlotsBusy, worker.SlotsTotal, worker.SlicesDone));

        time.Advance(TimeSpan.FromSeconds(5.9));
        Assert.Equal("ok", Assert.Single(state.Snapshot().Workers).State);

        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal("stale", Assert.Single(state.Snapshot().Workers).State);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("stale", Assert.Single(state.Snapshot().Workers).State);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(state.Snapshot().Workers);
    }

    [Fact]
    public void WorkerRowShowsItsSlotsAndTheRangeOfAnElasticPool()
    {
        var (state, _) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("fixed/1", s_start, busy: 1, done: 0, intervalSeconds: 2));
        state.OnEvent(SimulatedWork.Heartbeat("elastic/2", s_start, busy: 3, done: 0, intervalSeconds: 2) with { SlotsTotal = 3, SlotsMin = 2, SlotsMax = 6 });

        var workers = state.Snapshot().Workers;

        Assert.Equal([("elastic/2", "3 (2..6)"), ("fixed/1", "2")], workers.Select(w => (w.Id, w.Slots)));
    }

    [Fact]
    public void HeartbeatRevivesAStaleWorker()
    {
        var (state, time) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("node1/10", s_start, 0, 0, 1));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("stale", Assert.Single(state.Snapshot().Workers).State);

        state.OnEvent(SimulatedWork.Heartbeat("node1/10", time.GetUtcNow(), 0, 1, 1));
        Assert.Equal("ok", Assert.Single(state.Snapshot().Workers).State);
    }

    [Fact]
    public void StoppedWorkerShowsStoppedAtOnce()
    {
        var (state, _) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("node1/10", s_start, 0, 0, 2));
        state.OnEvent(new PymarEvent { Kind = PymarEventKinds.WorkerStopped, Worker = "node1/10", Time = s_start });
        Assert.Equal("stopped", Assert.Single(state.Snapshot().Workers).State);
    }

    [Fact]
    public void JobProgressesToItsSliceCountThenMovesToHistory()
    {
        var (state, time) = Create();
        var events = SimulatedWork.Job("job-1", ["a/1", "b/2"], s_start);
        var finishedAt = events.Count(e => e.Kind != PymarEventKinds.JobFinished);
        foreach (var e in events.Take(finishedAt / 2))
        {
            state.OnEvent(e);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var running = Assert.Single(state.Snapshot().Jobs);
        Assert.Equal(("job-1", "SquaredSum", 16, "running"), (running.JobId, running.Producer, running.SliceCount, running.State));
        Assert.InRange(running.Answered, 1, 15);
        Assert.NotNull(running.EtaMs);

        foreach (var e in events.Skip(finishedAt / 2))
        {
            state.OnEvent(e);
        }

        var snapshot = state.Snapshot();
        Assert.Empty(snapshot.Jobs);
        var done = Assert.Single(snapshot.History);
        Assert.Equal((16, 16, "finished", 12L), (done.Answered, done.SliceCount, done.State, done.AnswerBytes));
        Assert.Equal(16, snapshot.Slices.Count(s => s.JobId == "job-1" && s.End is not null));
        Assert.Equal(4, snapshot.Slices.Select(s => (s.Worker, s.Slot)).Distinct().Count());
    }

    [Fact]
    public void SlicesWithoutProgressEventsStillCountAsAnswered()
    {
        var (state, _) = Create();
        foreach (var e in SimulatedWork.Job("job-2", ["a/1"], s_start).Where(e => e.Kind is PymarEventKinds.JobStarted or PymarEventKinds.SliceFinished).Take(6))
        {
            state.OnEvent(e);
        }

        Assert.Equal(5, Assert.Single(state.Snapshot().Jobs).Answered);
    }

    [Fact]
    public void LateSpeculativeCopyDoesNotReopenAFinishedJob()
    {
        var (state, _) = Create();
        var events = SimulatedWork.Job("job-3", ["a/1"], s_start);
        events.ForEach(state.OnEvent);
        state.OnEvent(events.First(e => e.Kind == PymarEventKinds.SliceFinished) with { Attempt = 2, Time = s_start + TimeSpan.FromSeconds(30) });

        var snapshot = state.Snapshot();
        Assert.Empty(snapshot.Jobs);
        Assert.Single(snapshot.History);
        Assert.Equal(17, snapshot.Slices.Count);
    }

    [Fact]
    public void GarbageIsCountedAndChangesNothingElse()
    {
        var (state, _) = Create();
        state.OnEvent(SimulatedWork.Heartbeat("node1/10", s_start, 0, 0, 2));
        var before = state.Version;

        state.OnMalformed("invalid JSON");
        state.OnMalformed("unknown kind");

        var snapshot = state.Snapshot();
        Assert.Equal((2L, 1L), (snapshot.Malformed, snapshot.Received));
        Assert.Single(snapshot.Workers);
        Assert.NotEqual(before, state.Version);
    }

    [Fact]
    public void TaskStreamForgetsSlicesOlderThanItsWindow()
    {
        var (state, time) = Create(o => o.TaskStreamWindow = TimeSpan.FromMinutes(1));
        SimulatedWork.Job("job-4", ["a/1"], s_start).ForEach(state.OnEvent);
        Assert.Equal(16, state.Snapshot().Slices.Count);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(state.Snapshot().Slices);
        Assert.Single(state.Snapshot().History);
    }
}
