using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Slicing;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting;

/// <summary>
/// Runs jobs: cuts a data source into slices, publishes one message per slice to the producer's queue, and folds
/// the partial values as they arrive into the answer. Resolve it from dependency injection.
/// </summary>
public sealed class ProducerClient : IAsyncDisposable, IDisposable
{
    private readonly IPymarTransport _transport;
    private readonly PymarRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly PymarOptions _options;
    private readonly ILogger<ProducerClient> _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ISliceJob> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _inboxLock = new(1, 1);
    private readonly ConcurrentDictionary<Task, byte> _jobEndedNotices = new();
    private IReplyInbox? _inbox;
    private bool _disposed;

    /// <summary>Creates the client; prefer resolving it from dependency injection.</summary>
    public ProducerClient(
        IPymarTransport transport,
        PymarRegistry registry,
        IServiceProvider services,
        IOptions<PymarOptions> options,
        ILogger<ProducerClient> logger,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transport = transport;
        _registry = registry;
        _services = services;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Computes <c>Reduce</c> over the partial values <c>Reduce(Map(slice))</c> of every slice of
    /// <paramref name="source"/>, each computed by a worker. Fails fast: the first slice that fails on every
    /// attempt fails the call.
    /// </summary>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    /// <typeparam name="TValue">The type of the mapped values and of the answer.</typeparam>
    /// <param name="producer">The producer, whose type is registered with <c>AddProducer&lt;T&gt;()</c>.</param>
    /// <param name="source">Where the items come from.</param>
    /// <param name="options">Per-call settings; null uses the defaults.</param>
    /// <param name="cancellationToken">Stops waiting at once; the job's slices are then no longer computed.</param>
    /// <returns>The reduced answer.</returns>
    /// <exception cref="PymarConfigurationException">The producer or data source type is not registered.</exception>
    /// <exception cref="SliceFailedException">A slice failed on a worker (after its retries).</exception>
    /// <exception cref="MapTimeoutException">The timeout ran out and <see cref="MapOptions.OnTimeout"/> says fail.</exception>
    /// <exception cref="TransportUnavailableException">The broker cannot be reached and local fallback is off.</exception>
    public async Task<TValue> MapAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var result = await MapCoreAsync(producer, source, options, collectFailures: false, cancellationToken).ConfigureAwait(false);
        return result.Value;
    }

    /// <summary>
    /// Like <see cref="MapAsync{TItem, TValue}"/>, but a slice that fails on every attempt does not fail the call:
    /// the result holds the reduce of the other slices and lists the failed ones.
    /// </summary>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    /// <typeparam name="TValue">The type of the mapped values and of the answer.</typeparam>
    /// <param name="producer">The producer, whose type is registered with <c>AddProducer&lt;T&gt;()</c>.</param>
    /// <param name="source">Where the items come from.</param>
    /// <param name="options">Per-call settings; null uses the defaults.</param>
    /// <param name="cancellationToken">Stops waiting at once; the job's slices are then no longer computed.</param>
    public Task<MapResult<TValue>> MapWithFailuresAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options = null,
        CancellationToken cancellationToken = default) =>
        MapCoreAsync(producer, source, options, collectFailures: true, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Let the last "job ended" notices reach the broker before the transport goes away with the host.
        await Task.WhenAll(_jobEndedNotices.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_inbox is { } inbox)
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }

        _inboxLock.Dispose();
    }

    private async Task<MapResult<TValue>> MapCoreAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options,
        bool collectFailures,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= MapOptions.Default;
        var registration = _registry.GetProducer(producer.GetType());
        var sliceCount = options.SliceCount ?? producer.DefaultSliceCount;
        if (sliceCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), sliceCount, $"The slice count of producer '{registration.Name}' must be at least 1.");
        }

        if (options.RunLocally ?? _options.LocalMode)
        {
            ClientLog.ComputingLocally(_logger, registration.Name);
            return await ComputeLocallyAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }

        var timeout = options.Timeout ?? _options.DefaultTimeout;
        var jobId = Guid.NewGuid().ToString("N");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        SliceJob<TItem, TValue>? job = null;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var length = await source.UseLocalAsync(_services, _registry, s => s.GetLengthAsync(deadline.Token)).ConfigureAwait(false);
            var windows = Slicer.Cut(length, sliceCount);
            if (windows.Count == 0)
            {
                return new MapResult<TValue>(producer.Reduce([]), hasValue: true, 0, []);
            }

            var inbox = await GetInboxAsync(deadline.Token).ConfigureAwait(false);
            using var activity = PymarTelemetry.StartJob(registration.Name, jobId, windows.Count);
            var plan = new JobPlan<TItem, TValue>(
                jobId,
                producer,
                registration.Name,
                source,
                source.GetDataSourceName(_registry),
                windows,
                inbox.Address,
                timeout,
                timeout is { } t ? _time.GetUtcNow().Add(t).ToUnixTimeMilliseconds() : null,
                options.RetryCount ?? producer.DefaultRetryCount,
                options.RetryBackoff,
                options.Progress,
                activity?.Id,
                _logger);
            job = new SliceJob<TItem, TValue>(plan, _transport);
            _jobs[jobId] = job;
            var result = await job.RunAsync(collectFailures, deadline.Token).ConfigureAwait(false);
            ClientLog.Reduced(_logger, jobId, registration.Name, windows.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            if (options.OnTimeout == TimeoutBehavior.ComputeLocally)
            {
                ClientLog.TimedOutComputingLocally(_logger, jobId, registration.Name, timeout!.Value, job?.Completed ?? 0, job?.Total ?? 0);
                return await ComputeLocallyAsync(producer, source, cancellationToken).ConfigureAwait(false);
            }

            throw new MapTimeoutException(registration.Name, jobId, timeout!.Value, job?.Completed ?? 0, job?.Total ?? 0);
        }
        catch (TransportUnavailableException ex) when (_options.FallBackToLocal)
        {
            ClientLog.FallingBackToLocal(_logger, _transport.Description, ex.Message, registration.Name);
            return await ComputeLocallyAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (job is not null)
            {
                _jobs.TryRemove(jobId, out _);
                var notice = TellWorkersJobEndedAsync(jobId);
                _jobEndedNotices[notice] = 0;
                _ = notice.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _jobEndedNotices, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Best effort and not awaited: workers then drop the job's remaining slices instead of computing them.</summary>
    private async Task TellWorkersJobEndedAsync(string jobId)
    {
        try
        {
            await _transport.PublishJobEndedAsync(jobId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ClientLog.JobEndedNotSent(_logger, jobId, ex.Message);
        }
    }

    private async Task<MapResult<TValue>> ComputeLocallyAsync<TItem, TValue>(Producer<TItem, TValue> producer, DataSourceFactory<TItem> source, CancellationToken cancellationToken)
    {
        var value = await source.UseLocalAsync(_services, _registry, async dataSource =>
        {
            var length = await dataSource.GetLengthAsync(cancellationToken).ConfigureAwait(false);
            if (length == 0)
            {
                return producer.Reduce([]);
            }

            var context = await Producer<TItem, TValue>.CreateContextAsync(dataSource, new SliceWindow(0, length), cancellationToken).ConfigureAwait(false);
            return await Task.Factory
                .StartNew(() => producer.ComputeSlice(context), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new MapResult<TValue>(value, hasValue: true, 1, []);
    }

    private async ValueTask<IReplyInbox> GetInboxAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _inbox) is { } inbox)
        {
            return inbox;
        }

        await _inboxLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _inbox ??= await _transport.OpenReplyInboxAsync(OnReplyAsync, OnInboxRecoveredAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inboxLock.Release();
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
            ClientLog.UnreadableReply(_logger, ex.Message);
            return ValueTask.CompletedTask;
        }

        if (!_jobs.TryGetValue(reply.JobId, out var job) || !job.TryPost(reply))
        {
            ClientLog.IgnoredReply(_logger, reply.SliceIndex, reply.JobId, "late or unknown job");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Replies sent while the inbox was gone are lost: ask again for every unanswered slice (duplicates count once).</summary>
    private async ValueTask OnInboxRecoveredAsync()
    {
        var jobs = _jobs.Values.ToArray();
        ClientLog.RepublishingAfterRecovery(_logger, jobs.Length);
        foreach (var job in jobs)
        {
            try
            {
                await job.RepublishMissingAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The job's own timeout (or its caller) still bounds it.
                ClientLog.RepublishFailed(_logger, ex.Message);
            }
        }
    }
}
