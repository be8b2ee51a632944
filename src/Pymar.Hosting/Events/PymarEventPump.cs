using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Events;

/// <summary>
/// Drains the publisher's queue into the event bus in batches: once an event is queued it waits
/// <see cref="Linger"/> for more to gather, then sends up to <see cref="MaxBatch"/> at once
/// (<see cref="IPymarEventBus.PublishBatchAsync"/>: one message on RabbitMQ instead of one per event). A slice's two
/// events thus cost the worker a share of one message. A failed send drops that batch.
/// </summary>
internal sealed class PymarEventPump(ChannelEventPublisher publisher, IPymarEventBus bus, ILogger<PymarEventPump> logger) : BackgroundService
{
    /// <summary>The most events sent at once (the bus may cut a batch further to keep a message small).</summary>
    internal const int MaxBatch = 256;

    /// <summary>How long the pump lets events gather after the first; the dashboard is that much later, at most.</summary>
    internal static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan s_drainGrace = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = publisher.Reader;
        var batch = new List<PymarEvent>(MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                if (reader.Count < MaxBatch)
                {
                    await Task.Delay(Linger, stoppingToken).ConfigureAwait(false);
                }

                while (Take(reader, batch))
                {
                    await SendAsync(batch, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: send what is queued (such as the worker's worker.stopped) within a short grace, then drop the rest.
            using var grace = new CancellationTokenSource(s_drainGrace);
            try
            {
                while (!grace.IsCancellationRequested && Take(reader, batch))
                {
                    await SendAsync(batch, grace.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (grace.IsCancellationRequested)
            {
                publisher.CountDropped(batch.Count);
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="batch"/> (cleared first) from the queue; false when nothing was queued. A slice.started
    /// whose slice.finished or slice.failed is in the same batch is left out: the end carries the slice's duration, so
    /// the started event would tell a reader nothing new, and most short slices start and end within one batch.
    /// </summary>
    private static bool Take(ChannelReader<PymarEvent> reader, List<PymarEvent> batch)
    {
        batch.Clear();
        var started = 0;
        while (batch.Count < MaxBatch && reader.TryRead(out var pymarEvent))
        {
            batch.Add(pymarEvent);
            if (pymarEvent.Kind == PymarEventKinds.SliceStarted)
            {
                started++;
            }
        }

        // Workers of short slices make no started events (RecentSliceTime): then there is nothing to pair.
        if (started > 0)
        {
            var ended = new HashSet<(string?, int?, int?, int?)>();
            foreach (var e in batch)
            {
                if (e.Kind is PymarEventKinds.SliceFinished or PymarEventKinds.SliceFailed)
                {
                    ended.Add(SliceKey(e));
                }
            }

            batch.RemoveAll(e => e.Kind == PymarEventKinds.SliceStarted && ended.Contains(SliceKey(e)));
        }

        return batch.Count > 0;
    }

    private static (string?, int?, int?, int?) SliceKey(PymarEvent e) => (e.JobId, e.SliceIndex, e.Attempt, e.Slot);

    private async Task SendAsync(List<PymarEvent> batch, CancellationToken cancellationToken)
    {
        try
        {
            await bus.PublishBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Events are best effort: a broker that is down costs events, never a slice.
            publisher.CountDropped(batch.Count);
            EventsLog.SendFailed(logger, batch.Count, batch[0].Kind, ex);
        }
    }
}
