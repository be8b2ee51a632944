using System.Diagnostics;
using System.Text.Json;
using Pymar.Hosting.Events;
using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Client;

/// <summary>
/// A job's events on the producer: started, progress (at most every <see cref="ProgressInterval"/>, so a job of many
/// small slices does not flood the queue), finished with its answer's size, or failed. Made only when events are on.
/// </summary>
internal sealed class JobEvents(IPymarEventPublisher publisher, string jobId, string producer, int sliceCount)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastProgress;
    private int _speculative;

    /// <summary>Makes the job's events, or null when the publisher is off (then nothing is built per job).</summary>
    public static JobEvents? For(IPymarEventPublisher publisher, string jobId, string producer, int sliceCount) =>
        publisher.IsEnabled ? new JobEvents(publisher, jobId, producer, sliceCount) : null;

    public void Started()
    {
        publisher.JobStarted(jobId, producer, sliceCount);
        _lastProgress = Stopwatch.GetTimestamp();
    }

    /// <summary>Called as each copy of a straggler is published, with the job's count of copies so far.</summary>
    public void Speculated(int speculative) => Volatile.Write(ref _speculative, speculative);

    /// <summary>Called as each answer arrives; publishes the latest count now and then, and always the last one.</summary>
    public void Progress(int answered, int retries, int speculative)
    {
        Volatile.Write(ref _speculative, speculative);
        var now = Stopwatch.GetTimestamp();
        if (answered < sliceCount && Stopwatch.GetElapsedTime(_lastProgress, now) < ProgressInterval)
        {
            return;
        }

        _lastProgress = now;
        publisher.JobProgress(jobId, producer, sliceCount, answered, retries, speculative, Stopwatch.GetElapsedTime(_started, now));
    }

    public void Finished<TValue>(TValue answer, int retries)
    {
        long size;
        try
        {
            size = JsonSerializer.SerializeToUtf8Bytes(answer, PymarSerializer.Options).LongLength;
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException)
        {
            size = 0;
        }

        publisher.JobFinished(jobId, producer, sliceCount, retries, Volatile.Read(ref _speculative), Stopwatch.GetElapsedTime(_started), size);
    }

    public void Failed(int answered, Exception error) =>
        publisher.JobFailed(jobId, producer, sliceCount, answered, Stopwatch.GetElapsedTime(_started), $"{error.GetType().Name}: {error.Message}");
}
