using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.Events;

/// <summary>
/// Sends the worker's heartbeat every <see cref="PymarEventsOptions.HeartbeatInterval"/> from its
/// <see cref="IPymarWorkerStatus"/>, and <c>worker.stopped</c> when the host stops. Does nothing in a host without one.
/// </summary>
internal sealed class PymarHeartbeatService(
    IPymarEventPublisher publisher,
    IOptions<PymarEventsOptions> options,
    ILogger<PymarHeartbeatService> logger,
    IEnumerable<IPymarWorkerStatus> statuses,
    TimeProvider? time = null) : BackgroundService
{
    private readonly IPymarWorkerStatus? _status = statuses.LastOrDefault();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_status is null || !publisher.IsEnabled)
        {
            return;
        }

        var interval = options.Value.HeartbeatInterval > TimeSpan.Zero ? options.Value.HeartbeatInterval : TimeSpan.FromSeconds(2);
        using var timer = new PeriodicTimer(interval, time ?? TimeProvider.System);
        try
        {
            do
            {
                try
                {
                    publisher.WorkerHeartbeat(_status.Producers, _status.SlotsTotal, _status.Concurrency, _status.SlotsBusy, _status.SlicesDone, interval);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
                {
                    EventsLog.HeartbeatFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            publisher.WorkerStopped();
        }
    }
}
