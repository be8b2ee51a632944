using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Client;

/// <summary>
/// The producer's one reply inbox, opened on first use: hands each reply to its running job by job id, asks jobs
/// to publish again what may have been lost when the inbox was rebuilt, and tells workers when a job has ended.
/// </summary>
internal sealed class ReplyRouter(IPymarTransport transport, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan s_noticeGrace = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, ISliceJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _jobEndedNotices = new();
    private Lazy<Task<IReplyInbox>>? _inbox;

    /// <summary>The inbox's address; opens it on first use (and again after a failed open).</summary>
    public async ValueTask<string> GetAddressAsync(CancellationToken cancellationToken)
    {
        var lazy = Volatile.Read(ref _inbox) ?? Interlocked.CompareExchange(ref _inbox, NewInbox(), null) ?? _inbox;
        try
        {
            return (await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false)).Address;
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            Interlocked.CompareExchange(ref _inbox, null, lazy);
            throw;
        }
    }

    /// <summary>Routes replies of <paramref name="jobId"/> to <paramref name="job"/> until the result is disposed.</summary>
    public IDisposable Route(string jobId, ISliceJob job)
    {
        _jobs[jobId] = job;
        return new Subscription(() => End(jobId));
    }

    public async ValueTask DisposeAsync()
    {
        // Let the last "job ended" notices reach the broker before the transport goes away with the host.
        await Task.WhenAll(_jobEndedNotices.Keys).WaitAsync(s_noticeGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref _inbox, null) is { IsValueCreated: true } lazy && lazy.Value.IsCompletedSuccessfully)
        {
            await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Lazy<Task<IReplyInbox>> NewInbox() =>
        new(() => transport.OpenReplyInboxAsync(OnReplyAsync, OnInboxRecoveredAsync, CancellationToken.None).AsTask());

    /// <summary>Stops routing and tells workers, best effort and not awaited, so they drop the job's remaining slices.</summary>
    private void End(string jobId)
    {
        _jobs.TryRemove(jobId, out _);
        var notice = TellWorkersJobEndedAsync(jobId);
        _jobEndedNotices[notice] = 0;
        _ = notice.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _jobEndedNotices, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task TellWorkersJobEndedAsync(string jobId)
    {
        try
        {
            await transport.PublishJobEndedAsync(jobId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ClientLog.JobEndedNotSent(logger, jobId, ex.Message);
        }
    }

    private ValueTask OnReplyAsync(ReadOnlyMemory<byte> body)
    {
        SliceReply reply;
        try
        {
            reply = MessageCodec.ReadReply(body.Span);
        }
        catch (MalformedMessageException ex)
        {
            ClientLog.UnreadableReply(logger, ex.Message);
            return ValueTask.CompletedTask;
        }

        if (!_jobs.TryGetValue(reply.JobId, out var job) || !job.TryPost(reply))
        {
            ClientLog.IgnoredReply(logger, reply.SliceIndex, reply.JobId, "late or unknown job");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Replies sent while the inbox was gone are lost: ask again for every unanswered slice (duplicates count once).</summary>
    private async ValueTask OnInboxRecoveredAsync()
    {
        var jobs = _jobs.Values.ToArray();
        ClientLog.RepublishingAfterRecovery(logger, jobs.Length);
        foreach (var job in jobs)
        {
            try
            {
                await job.RepublishMissingAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The job's own timeout (or its caller) still bounds it.
                ClientLog.RepublishFailed(logger, ex.Message);
            }
        }
    }
}
