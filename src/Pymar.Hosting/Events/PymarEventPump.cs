using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Events;

/// <summary>Drains the publisher's queue into the event bus, one event at a time; a failed send drops that event.</summary>
internal sealed class PymarEventPump(ChannelEventPublisher publisher, IPymarEventBus bus, ILogger<PymarEventPump> logger) : BackgroundService
{
    private static readonly TimeSpan s_drainGrace = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = publisher.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var pymarEvent))
                {
                    try
                    {
                        await bus.PublishAsync(pymarEvent, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                    {
                        // Events are best effort: a broker that is down costs events, never a slice.
                        publisher.CountDropped();
                        EventsLog.SendFailed(logger, pymarEvent.Kind, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: send what is queued (such as the worker's worker.stopped) within a short grace, then drop the rest.
            await DrainAsync(reader).ConfigureAwait(false);
        }
    }

    private async Task DrainAsync(System.Threading.Channels.ChannelReader<PymarEvent> reader)
    {
        using var grace = new CancellationTokenSource(s_drainGrace);
        while (!grace.IsCancellationRequested && reader.TryRead(out var pymarEvent))
        {
            try
            {
                await bus.PublishAsync(pymarEvent, grace.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                publisher.CountDropped();
                EventsLog.SendFailed(logger, pymarEvent.Kind, ex);
            }
        }
    }
}
