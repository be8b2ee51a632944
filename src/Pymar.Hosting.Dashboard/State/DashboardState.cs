using System.Globalization;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.State;

/// <summary>
/// What the dashboard knows, built from events alone: workers by heartbeat, jobs by progress, and the task stream's
/// recent slices. A worker that misses <see cref="PymarDashboardOptions.StaleAfterMissedHeartbeats"/> heartbeats is
/// stale, and after <see cref="PymarDashboardOptions.RemoveStaleAfter"/> more it is gone. Garbage is only counted.
/// </summary>
internal sealed class DashboardState : IPymarEventHandler
{
    /// <summary>The most finished slices the task stream keeps, whether or not a page asks.</summary>
    public const int MaxBars = 20_000;

    /// <summary>The most running jobs kept; past it the one heard from least recently is shown as lost.</summary>
    public const int MaxJobs = 1_024;

    /// <summary>The most workers kept; events of further workers are counted and not shown.</summary>
    public const int MaxWorkers = 4_096;

    private const int MaxRunning = 4_096;
    private const int MaxText = 4_096;
    private const int MaxName = 256;
    private const int MaxProducers = 256;
    private const int MaxSlots = 1_000_000;

    // Bounds on what a sender may claim: anyone allowed on the events exchange can send any value, so nothing read
    // is used as it came where it could overflow a date, a duration or memory.
    private static readonly TimeSpan s_maxHeartbeat = TimeSpan.FromHours(1);
    private static readonly TimeSpan s_maxDuration = TimeSpan.FromDays(30);
    private static readonly TimeSpan s_maxClockAhead = TimeSpan.FromHours(1);
    private static readonly Counter<long> s_received = PymarTelemetry.Meter.CreateCounter<long>("pymar.dashboard.events.received", "{event}", "Events the dashboard read.");
    private static readonly Counter<long> s_malformed = PymarTelemetry.Meter.CreateCounter<long>("pymar.dashboard.events.malformed", "{event}", "Messages on the events exchange that were not events, ignored.");
    private static readonly TimeSpan s_lostJobAfter = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly PymarDashboardOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly LinkedList<JobView> _history = new();
    private readonly Queue<SliceBar> _bars = new();
    private readonly Dictionary<(string Worker, string? JobId, int? Slice, int? Attempt), SliceBar> _running = [];
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly Queue<string> _endedOrder = new();
    private long _received;
    private long _malformed;
    private long _version;

    public DashboardState(IOptions<PymarDashboardOptions> options, TimeProvider? time = null)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Changes whenever an event or garbage arrived.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void OnMalformed(string reason)
    {
        s_malformed.Add(1);
        lock (_lock)
        {
            _malformed++;
            _version++;
        }
    }

    public void OnEvent(PymarEvent pymarEvent)
    {
        ArgumentNullException.ThrowIfNull(pymarEvent);
        s_received.Add(1);
        var now = _time.GetUtcNow();
        var time = pymarEvent.Time == default || pymarEvent.Time > now + s_maxClockAhead || pymarEvent.Time < now - s_maxDuration ? now : pymarEvent.Time;
        lock (_lock)
        {
            _received++;
            _version++;
            switch (pymarEvent.Kind)
            {
                case PymarEventKinds.WorkerHeartbeat:
                    var worker = Touch(pymarEvent, now);
                    worker.Producers = pymarEvent.Producers is { } producers ? [.. producers.Take(MaxProducers).Select(p => Cut(p, MaxName) ?? "")] : worker.Producers;
                    worker.SlotsTotal = Math.Clamp(pymarEvent.SlotsTotal ?? worker.SlotsTotal, 0, MaxSlots);
                    worker.SlotsBusy = Math.Clamp(pymarEvent.SlotsBusy ?? worker.SlotsBusy, 0, worker.SlotsTotal);
                    worker.SlotsRange = pymarEvent is { SlotsMin: >= 1 and var min, SlotsMax: <= MaxSlots and var max } && min < max ? (min, max) : null;
                    worker.SlicesDone = Math.Max(0, pymarEvent.SlicesDone ?? worker.SlicesDone);
                    worker.HeartbeatSeconds = pymarEvent.HeartbeatSeconds is > 0 and var seconds && double.IsFinite(seconds)
                        ? Math.Min(seconds, s_maxHeartbeat.TotalSeconds)
                        : worker.HeartbeatSeconds;
                    worker.Stopped = false;
                    break;
                case PymarEventKinds.WorkerStopped:
                    Touch(pymarEvent, now).Stopped = true;
                    break;
                case PymarEventKinds.SliceStarted:
                    Touch(pymarEvent, now);
                    if (_running.Count < MaxRunning)
                    {
                        _running[RunningKey(pymarEvent)] = ToBar(pymarEvent, time.ToUnixTimeMilliseconds(), end: null);
                    }

                    break;
                case PymarEventKinds.SliceFinished or PymarEventKinds.SliceFailed:
                    SliceEnded(pymarEvent, time, now);
                    break;
                case PymarEventKinds.JobStarted or PymarEventKinds.JobProgress:
                    JobUpdated(JobOf(pymarEvent, time), pymarEvent, time);
                    break;
                case PymarEventKinds.JobFinished or PymarEventKinds.JobFailed:
                    var job = JobOf(pymarEvent, time);
                    JobUpdated(job, pymarEvent, time);
                    job.State = pymarEvent.Kind == PymarEventKinds.JobFinished ? "finished" : "failed";
                    job.AnswerBytes = pymarEvent.AnswerBytes is >= 0 and var bytes ? bytes : null;
                    job.Error = Cut(pymarEvent.Error, MaxText);
                    job.EndedAt = time;
                    End(job);
                    AddHistory(job.View(time));
                    break;
                default:
                    // TryDecode lets only known kinds through; an event from a newer sender is read and not shown.
                    break;
            }
        }
    }

    /// <summary>How many slice bars (finished and running), running jobs and workers the state holds now.</summary>
    public (int Slices, int Jobs, int Workers) Held
    {
        get
        {
            lock (_lock)
            {
                return (_bars.Count + _running.Count, _jobs.Count, _workers.Count);
            }
        }
    }

    /// <summary>What the page shows now; also forgets workers, jobs and slices that are too old.</summary>
    public DashboardSnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            Prune(now);
            var workers = _workers.Values
                .OrderBy(w => w.Id, StringComparer.Ordinal)
                .Select(w => new WorkerView(w.Id, w.Host, w.ProcessId, w.Producers, w.SlotsTotal, w.SlotsText, w.SlotsBusy, w.SlicesDone, w.LastSeen.ToUnixTimeMilliseconds(), StateOf(w, now)))
                .ToList();
            var jobs = _jobs.Values.OrderBy(j => j.StartedAt).Select(j => j.View(now)).ToList();
            var slices = _bars.Concat(_running.Values).ToList();
            return new DashboardSnapshot(nowMs, _received, _malformed, _options.TaskStreamWindow.TotalMilliseconds, workers, jobs, [.. _history], slices);
        }
    }

    private static (string, string?, int?, int?) RunningKey(PymarEvent e) => (WorkerId(e), Cut(e.JobId, MaxName), e.SliceIndex, e.Attempt);

    private static SliceBar ToBar(PymarEvent e, double start, double? end) =>
        new(WorkerId(e), e.Slot, Cut(e.JobId, MaxName), Cut(e.Producer, MaxName), e.SliceIndex, e.Attempt, start, end, e.Kind == PymarEventKinds.SliceFailed);

    private static string WorkerId(PymarEvent e) => Cut(e.Worker, MaxName) ?? Cut($"{e.Host}/{e.ProcessId}", MaxName)!;

    private static string? Cut(string? text, int length) => text is { Length: > 0 } && text.Length > length ? text[..length] : text;

    /// <summary>A duration a sender gave, in milliseconds, when it is one a slice or a job can take.</summary>
    private static double? Duration(double? milliseconds) =>
        milliseconds is >= 0 and var ms && ms <= s_maxDuration.TotalMilliseconds ? ms : null;

    private static void JobUpdated(Job job, PymarEvent e, DateTimeOffset time)
    {
        job.Producer ??= Cut(e.Producer, MaxName);
        job.SliceCount = e.SliceCount is >= 0 and var count ? count : job.SliceCount;
        job.ReportedAnswered = Math.Max(job.ReportedAnswered, e.Answered ?? 0);
        job.Retries = e.Retries is >= 0 and var retries ? retries : job.Retries;
        job.Speculative = e.Speculative is >= 0 and var speculative ? speculative : job.Speculative;
        if (e.Kind == PymarEventKinds.JobStarted)
        {
            job.StartedAt = time;
        }
        else if (Duration(e.ElapsedMs) is { } elapsed && time - DateTimeOffset.MinValue > TimeSpan.FromMilliseconds(elapsed))
        {
            // The producer's clock measures the job; the start follows from it, whatever the event's delay.
            job.StartedAt = time - TimeSpan.FromMilliseconds(elapsed);
        }

        job.LastEvent = time;
    }

    private string StateOf(Worker worker, DateTimeOffset now)
    {
        if (worker.Stopped)
        {
            return "stopped";
        }

        return now - worker.LastSeen > StaleAfter(worker) ? "stale" : "ok";
    }

    private TimeSpan StaleAfter(Worker worker) => TimeSpan.FromSeconds(worker.HeartbeatSeconds * Math.Max(1, _options.StaleAfterMissedHeartbeats));

    private void Prune(DateTimeOffset now)
    {
        foreach (var worker in _workers.Values.ToList())
        {
            var staleSince = worker.Stopped ? worker.LastSeen : worker.LastSeen + StaleAfter(worker);
            if (now - staleSince > _options.RemoveStaleAfter)
            {
                _workers.Remove(worker.Id);
            }
        }

        foreach (var job in _jobs.Values.ToList())
        {
            if (now - job.LastEvent > s_lostJobAfter)
            {
                job.State = "lost";
                End(job);
                AddHistory(job.View(job.LastEvent));
            }
        }

        var oldest = (now - _options.TaskStreamWindow).ToUnixTimeMilliseconds();
        while (_bars.Count > 0 && (_bars.Count > MaxBars || _bars.Peek().End < oldest))
        {
            _bars.Dequeue();
        }

        foreach (var (key, bar) in _running.ToList())
        {
            if (bar.Start < oldest)
            {
                _running.Remove(key);
            }
        }
    }

    private void SliceEnded(PymarEvent e, DateTimeOffset time, DateTimeOffset now)
    {
        Touch(e, now);
        var end = time.ToUnixTimeMilliseconds();
        var key = RunningKey(e);
        var duration = Duration(e.DurationMs);
        var start = _running.Remove(key, out var running) ? Math.Min(running.Start, end) : end - (duration ?? 0);
        if (duration is { } given)
        {
            start = end - given;
        }

        _bars.Enqueue(ToBar(e, start, end));
        while (_bars.Count > MaxBars)
        {
            _bars.Dequeue();
        }

        if (e.JobId is { } jobId && _ended.Contains(jobId))
        {
            // A speculative copy that ended after its job: it is in the task stream, the job stays in the history.
            return;
        }

        var job = JobOf(e, time);
        job.LastEvent = time;
        if (e.Kind == PymarEventKinds.SliceFinished && e.SliceIndex is >= 0 and var index && index < (job.SliceCount ?? MaxRunning * 16))
        {
            job.Done.Add(index);
        }
        else if (e.Kind == PymarEventKinds.SliceFailed)
        {
            job.SliceFailures++;
        }
    }

    private void End(Job job)
    {
        _jobs.Remove(job.Id);
        if (_ended.Add(job.Id))
        {
            _endedOrder.Enqueue(job.Id);
            if (_endedOrder.Count > 1_000)
            {
                _ended.Remove(_endedOrder.Dequeue());
            }
        }
    }

    private Worker Touch(PymarEvent e, DateTimeOffset now)
    {
        var id = WorkerId(e);
        if (!_workers.TryGetValue(id, out var worker))
        {
            // Past the bound a new worker is updated and not kept, so the page shows the ones it already knows.
            worker = new Worker(id);
            if (_workers.Count < MaxWorkers)
            {
                _workers[id] = worker;
            }
        }

        worker.Host = Cut(e.Host, MaxName) ?? worker.Host;
        worker.ProcessId = e.ProcessId ?? worker.ProcessId;

        // Last seen is the dashboard's clock, not the sender's: a worker whose clock is off is not stale for it.
        worker.LastSeen = now;
        return worker;
    }

    private Job JobOf(PymarEvent e, DateTimeOffset time)
    {
        var id = Cut(e.JobId, MaxName) ?? "?";
        if (!_jobs.TryGetValue(id, out var job))
        {
            if (_jobs.Count >= MaxJobs)
            {
                var quietest = _jobs.Values.MinBy(j => j.LastEvent)!;
                quietest.State = "lost";
                End(quietest);
                AddHistory(quietest.View(quietest.LastEvent));
            }

            job = new Job(id) { Producer = Cut(e.Producer, MaxName), StartedAt = time, LastEvent = time };
            _jobs[id] = job;
        }

        return job;
    }

    private void AddHistory(JobView view)
    {
        _history.AddFirst(view);
        while (_history.Count > Math.Max(1, _options.HistorySize))
        {
            _history.RemoveLast();
        }
    }

    /// <summary>A worker's latest heartbeat.</summary>
    private sealed class Worker(string id)
    {
        public string Id { get; } = id;

        public string? Host { get; set; }

        public int? ProcessId { get; set; }

        public IReadOnlyList<string> Producers { get; set; } = [];

        public int SlotsTotal { get; set; }

        public int SlotsBusy { get; set; }

        /// <summary>The range an elastic pool's slots move within, or null when they are fixed.</summary>
        public (int Min, int Max)? SlotsRange { get; set; }

        public string SlotsText => SlotsRange is var (min, max)
            ? string.Create(CultureInfo.InvariantCulture, $"{SlotsTotal} ({min}..{max})")
            : SlotsTotal.ToString(CultureInfo.InvariantCulture);

        public long SlicesDone { get; set; }

        public double HeartbeatSeconds { get; set; } = 2;

        public bool Stopped { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }

    /// <summary>A job's latest progress.</summary>
    private sealed class Job(string id)
    {
        public string Id { get; } = id;

        public string? Producer { get; set; }

        public int? SliceCount { get; set; }

        public int ReportedAnswered { get; set; }

        public HashSet<int> Done { get; } = [];

        public int Retries { get; set; }

        public int Speculative { get; set; }

        public int SliceFailures { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public DateTimeOffset LastEvent { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        public string State { get; set; } = "running";

        public long? AnswerBytes { get; set; }

        public string? Error { get; set; }

        public JobView View(DateTimeOffset now)
        {
            var answered = Math.Max(ReportedAnswered, Done.Count);
            if (SliceCount is { } count)
            {
                answered = Math.Min(answered, count);
            }

            var elapsed = ((EndedAt ?? now) - StartedAt).TotalMilliseconds;
            double? eta = State == "running" && SliceCount is { } total && answered > 0 ? elapsed / answered * (total - answered) : null;
            return new JobView(Id, Producer, SliceCount, answered, Retries, Speculative, SliceFailures, Math.Max(0, elapsed), eta, State, AnswerBytes, Error, StartedAt.ToUnixTimeMilliseconds());
        }
    }
}
