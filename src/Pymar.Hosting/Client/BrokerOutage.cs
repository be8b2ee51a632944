using System.Globalization;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Client;

/// <summary>
/// One job's view of a lost connection while it publishes: every publish that failed because the connection or its
/// channel went away waits here until the transport is connected again, and is then made again. The wait is measured
/// from the first failure of the outage, so all of a job's publishes share one bound,
/// <see cref="MapOptions.ReconnectTimeout"/>; past it the job fails.
/// </summary>
internal sealed class BrokerOutage(IPymarTransport transport, TimeProvider time, TimeSpan limit, string jobId, string producerName, ILogger logger)
{
    /// <summary>How often the transport's connection is looked at while it is down.</summary>
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private long _since;

    /// <summary>True while a publish of the job has failed on a lost connection and none has gone through since.</summary>
    public bool IsOngoing => Volatile.Read(ref _since) != 0;

    /// <summary>
    /// Waits until the transport is connected again (at least one poll, so a channel still recovering is not hammered);
    /// throws <see cref="TransportUnavailableException"/> once the outage has lasted longer than the limit.
    /// </summary>
    public async Task WaitAsync(Exception cause, CancellationToken cancellationToken)
    {
        long since;
        lock (_lock)
        {
            if (_since == 0)
            {
                _since = time.GetTimestamp();
                ClientLog.PublishingPaused(logger, jobId, producerName, limit, cause.Message);
            }

            since = _since;
        }

        do
        {
            var waited = time.GetElapsedTime(since);
            if (waited >= limit)
            {
                throw new TransportUnavailableException(string.Create(CultureInfo.InvariantCulture,
                    $"Job {jobId} of producer '{producerName}' could not publish its slices: the broker stayed unreachable for {waited.TotalSeconds:0.#} s, past MapOptions.ReconnectTimeout ({limit.TotalSeconds:0.#} s). Last error: {cause.Message}"), cause);
            }

            await Task.Delay(s_poll, time, cancellationToken).ConfigureAwait(false);
        }
        while (!transport.IsConnected);
    }

    /// <summary>A publish went through: an outage in progress is over.</summary>
    public void Published()
    {
        if (Volatile.Read(ref _since) == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_since != 0)
            {
                ClientLog.PublishingResumed(logger, jobId, producerName, time.GetElapsedTime(_since).TotalMilliseconds);
                _since = 0;
            }
        }
    }
}
