using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>The events two workers and a producer would send for one job, with times laid out as a real run's.</summary>
internal static class SimulatedWork
{
    public static PymarEvent Heartbeat(string worker, DateTimeOffset time, int busy, long done, double intervalSeconds) => new()
    {
        Kind = PymarEventKinds.WorkerHeartbeat,
        Time = time,
        Worker = worker,
        Host = worker.Split('/')[0],
        ProcessId = int.Parse(worker.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture),
        Producers = ["SquaredSum"],
        SlotsTotal = 2,
        SlotsBusy = busy,
        SlicesDone = done,
        HeartbeatSeconds = intervalSeconds,
    };

    /// <summary>A 16-slice job over two workers with two slots each: job started, 16 slices, progress, finished.</summary>
    public static List<PymarEvent> Job(string jobId, string[] workers, DateTimeOffset start)
    {
        var events = new List<PymarEvent>
        {
            new() { Kind = PymarEventKinds.JobStarted, Time = start, Worker = "producer/1", JobId = jobId, Producer = "SquaredSum", SliceCount = 16, Answered = 0 },
        };
        var slotFree = new DateTimeOffset[workers.Length * 2];
        Array.Fill(slotFree, start + TimeSpan.FromMilliseconds(20));
        for (var slice = 0; slice < 16; slice++)
        {
            var lane = Array.IndexOf(slotFree, slotFree.Min());
            var begin = slotFree[lane];
            var duration = TimeSpan.FromMilliseconds(300 + (slice * 37 % 5 * 90));
            var end = begin + duration;
            slotFree[lane] = end + TimeSpan.FromMilliseconds(10);
            var worker = workers[lane / 2];
            events.Add(new() { Kind = PymarEventKinds.SliceStarted, Time = begin, Worker = worker, JobId = jobId, Producer = "SquaredSum", SliceIndex = slice, Attempt = 1, Slot = lane % 2 });
            events.Add(new() { Kind = PymarEventKinds.SliceFinished, Time = end, Worker = worker, JobId = jobId, Producer = "SquaredSum", SliceIndex = slice, Attempt = 1, Slot = lane % 2, DurationMs = duration.TotalMilliseconds });
            events.Add(new() { Kind = PymarEventKinds.JobProgress, Time = end, Worker = "producer/1", JobId = jobId, Producer = "SquaredSum", SliceCount = 16, Answered = slice + 1, ElapsedMs = (end - start).TotalMilliseconds });
        }

        var finished = slotFree.Max();
        events.Add(new() { Kind = PymarEventKinds.JobFinished, Time = finished, Worker = "producer/1", JobId = jobId, Producer = "SquaredSum", SliceCount = 16, Answered = 16, Retries = 0, Speculative = 0, ElapsedMs = (finished - start).TotalMilliseconds, AnswerBytes = 12 });
        return [.. events.OrderBy(e => e.Time)];
    }
}
