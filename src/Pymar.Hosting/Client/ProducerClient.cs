using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    private const int MaxPublishesInFlight = 128;
    private readonly IPymarTransport _transport;
    private readonly PymarRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly PymarOptions _options;
    private readonly ILogger<ProducerClient> _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ChannelWriter<SliceReply>> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _inboxLock = new(1, 1);
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
    /// <paramref name="source"/>, each computed by a worker.
    /// </summary>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    /// <typeparam name="TValue">The type of the mapped values and of the answer.</typeparam>
    /// <param name="producer">The producer, whose type is registered with <c>AddProducer&lt;T&gt;()</c>.</param>
    /// <param name="source">Where the items come from.</param>
    /// <param name="options">Per-call settings; null uses the defaults.</param>
    /// <param name="cancellationToken">Stops waiting at once; unstarted slices of the job are then not wanted.</param>
    /// <returns>The reduced answer.</returns>
    /// <exception cref="PymarConfigurationException">The producer or data source type is not registered.</exception>
    /// <exception cref="SliceFailedException">A slice failed on a worker.</exception>
    /// <exception cref="MapTimeoutException">The timeout ran out and <see cref="MapOptions.OnTimeout"/> says fail.</exception>
    /// <exception cref="TransportUnavailableException">The broker cannot be reached and local fallback is off.</exception>
    public async Task<TValue> MapAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options = null,
        CancellationToken cancellationToken = default)
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
        var job = new JobProgress(Guid.NewGuid().ToString("N"), options.Progress);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        try
        {
            return await RunJobAsync(producer, registration.Name, source, sliceCount, timeout, job, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            if (options.OnTimeout == TimeoutBehavior.ComputeLocally)
            {
                ClientLog.TimedOutComputingLocally(_logger, job.JobId, registration.Name, timeout!.Value, job.Completed, job.Total);
                return await ComputeLocallyAsync(producer, source, cancellationToken).ConfigureAwait(false);
            }

            throw new MapTimeoutException(registration.Name, job.JobId, timeout!.Value, job.Completed, job.Total);
        }
        catch (TransportUnavailableException ex) when (_options.FallBackToLocal)
        {
            ClientLog.FallingBackToLocal(_logger, ex, _transport.Description, registration.Name);
            return await ComputeLocallyAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }
    }

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
        if (_inbox is { } inbox)
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }

        _inboxLock.Dispose();
    }

    private async Task<TValue> RunJobAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        string producerName,
        DataSourceFactory<TItem> source,
        int sliceCount,
        TimeSpan? timeout,
        JobProgress job,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var length = await source.UseLocalAsync(_services, _registry, s => s.GetLengthAsync(cancellationToken)).ConfigureAwait(false);
        var windows = Slicer.Cut(length, sliceCount);
        if (windows.Count == 0)
        {
            return producer.Reduce([]);
        }

        var inbox = await GetInboxAsync(cancellationToken).ConfigureAwait(false);
        var replies = Channel.CreateUnbounded<SliceReply>(new UnboundedChannelOptions { SingleReader = true });
        _jobs[job.JobId] = replies.Writer;
        try
        {
            job.Total = windows.Count;
            await PublishSlicesAsync(producerName, source, windows, inbox.Address, timeout, job.JobId, cancellationToken).ConfigureAwait(false);
            ClientLog.Published(_logger, job.JobId, producerName, windows.Count, length, _transport.Description);

            var answered = new bool[windows.Count];
            TValue accumulated = default!;
            while (job.Completed < windows.Count)
            {
                var reply = await replies.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (reply.SliceIndex < 0 || reply.SliceIndex >= windows.Count || answered[reply.SliceIndex])
                {
                    ClientLog.IgnoredReply(_logger, reply.SliceIndex, job.JobId, "duplicate or out of range");
                    continue;
                }

                if (reply.Error is { } error)
                {
                    throw new SliceFailedException(producerName, job.JobId, reply.SliceIndex, windows[reply.SliceIndex], error);
                }

                var partial = ReadValue<TValue>(reply, producerName);
                accumulated = job.Completed == 0 ? partial : producer.Fold(accumulated, partial);
                answered[reply.SliceIndex] = true;
                job.SliceCompleted();
            }

            ClientLog.Reduced(_logger, job.JobId, producerName, windows.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return accumulated;
        }
        finally
        {
            _jobs.TryRemove(job.JobId, out _);
        }
    }

    private async Task PublishSlicesAsync<TItem>(
        string producerName,
        DataSourceFactory<TItem> source,
        IReadOnlyList<SliceWindow> windows,
        string replyTo,
        TimeSpan? timeout,
        string jobId,
        CancellationToken cancellationToken)
    {
        var dataSourceName = source.GetDataSourceName(_registry);
        long? expires = timeout is { } limit ? _time.GetUtcNow().Add(limit).ToUnixTimeMilliseconds() : null;
        var inFlight = new List<Task>(Math.Min(windows.Count, MaxPublishesInFlight));
        for (var i = 0; i < windows.Count; i++)
        {
            var request = new SliceRequest
            {
                Version = SliceRequest.CurrentVersion,
                JobId = jobId,
                SliceIndex = i,
                Producer = producerName,
                DataSource = dataSourceName,
                Offset = windows[i].Offset,
                Limit = windows[i].Limit,
                ReplyTo = replyTo,
                ExpiresAtUnixMilliseconds = expires,
            };
            var body = MessageCodec.WriteRequest(request, source.GetItemsWriter(windows[i], PymarSerializer.Options));
            if (body.LongLength > _transport.MaxMessageBytes)
            {
                throw new PymarConfigurationException(string.Create(CultureInfo.InvariantCulture,
                    $"Slice {i} {windows[i]} of producer '{producerName}' is {body.LongLength} bytes, over the transport's limit of {_transport.MaxMessageBytes} bytes. Use a registered data source instead of in-memory items, or more slices."));
            }

            // Publishes are pipelined: the broker confirms a window of them at once instead of one round trip each.
            inFlight.Add(_transport.PublishSliceAsync(producerName, body, new SliceMessageProperties(request.CorrelationId, replyTo, timeout), cancellationToken).AsTask());
            if (inFlight.Count == MaxPublishesInFlight)
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private static TValue ReadValue<TValue>(SliceReply reply, string producerName)
    {
        try
        {
            return reply.Value!.Value.Deserialize<TValue>(PymarSerializer.Options)!;
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The partial value of slice {reply.SliceIndex} of producer '{producerName}' cannot be read as {typeof(TValue).Name}: {ex.Message}", ex);
        }
    }

    private ValueTask<TValue> ComputeLocallyAsync<TItem, TValue>(Producer<TItem, TValue> producer, DataSourceFactory<TItem> source, CancellationToken cancellationToken) =>
        source.UseLocalAsync(_services, _registry, async dataSource =>
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
        });

    private async ValueTask<IReplyInbox> GetInboxAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _inbox) is { } inbox)
        {
            return inbox;
        }

        await _inboxLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _inbox ??= await _transport.OpenReplyInboxAsync(OnReplyAsync, cancellationToken).ConfigureAwait(false);
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

        if (!_jobs.TryGetValue(reply.JobId, out var job) || !job.TryWrite(reply))
        {
            ClientLog.IgnoredReply(_logger, reply.SliceIndex, reply.JobId, "late or unknown job");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Counts a job's answered slices and reports them.</summary>
    private sealed class JobProgress(string jobId, IProgress<MapProgress>? progress)
    {
        public string JobId => jobId;

        public int Total { get; set; }

        public int Completed { get; private set; }

        public void SliceCompleted()
        {
            Completed++;
            progress?.Report(new MapProgress(Completed, Total));
        }
    }
}
