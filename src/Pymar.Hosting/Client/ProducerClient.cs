using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Client;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Slicing;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting;

/// <summary>
/// Runs jobs: cuts a data source into slices, publishes one message per slice to the producer's queue, and folds
/// the partial values in slice order into the answer. Resolve it from dependency injection.
/// </summary>
/// <remarks>
/// The steps live in their own types: <see cref="SliceJob{TItem, TValue}"/> publishes, retries and folds one job,
/// <see cref="ReplyRouter"/> hands replies to their job, and <see cref="LocalRunner"/> computes in this process.
/// </remarks>
public sealed class ProducerClient : IAsyncDisposable, IDisposable
{
    private readonly IPymarTransport _transport;
    private readonly PymarRegistry _registry;
    private readonly PymarOptions _options;
    private readonly ILogger<ProducerClient> _logger;
    private readonly TimeProvider _time;
    private readonly LocalRunner _local;
    private readonly ReplyRouter _router;
    private readonly IPymarEventPublisher _events;
    private readonly CancellationToken _hostStopping;
    private int _disposed;

    /// <summary>Creates the client; <c>AddPymar(...)</c> registers it.</summary>
    internal ProducerClient(IServiceProvider services)
    {
        _transport = services.GetRequiredService<IPymarTransport>();
        _registry = services.GetRequiredService<PymarRegistry>();
        _options = services.GetRequiredService<IOptions<PymarOptions>>().Value;
        _logger = services.GetRequiredService<ILogger<ProducerClient>>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _local = new LocalRunner(services, _registry);
        _router = new ReplyRouter(_transport, _logger);
        _events = services.GetService<IPymarEventPublisher>() ?? NullPymarEventPublisher.Instance;

        // A job in flight ends when its host stops (Ctrl+C, SIGTERM, a service manager), whatever token its caller passed.
        _hostStopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
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
    /// <param name="cancellationToken">Stops waiting at once; the job's slices are then no longer computed. The host's stopping (<see cref="IHostApplicationLifetime.ApplicationStopping"/>) stops it too.</param>
    /// <returns>The reduced answer.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds a setting out of its range, such as a timeout that is not positive or a negative retry count; the message names it.</exception>
    /// <exception cref="PymarConfigurationException">The producer or data source type is not registered.</exception>
    /// <exception cref="SliceFailedException">A slice failed on a worker (after its retries).</exception>
    /// <exception cref="MapTimeoutException">The timeout ran out and <see cref="MapOptions.OnTimeout"/> says fail.</exception>
    /// <exception cref="TransportUnavailableException">The broker cannot be reached, local fallback is off and <see cref="MapOptions.OnTimeout"/> says fail.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the host is stopping.</exception>
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
    /// <param name="cancellationToken">Stops waiting at once; the job's slices are then no longer computed. The host's stopping stops it too.</param>
    public Task<MapResult<TValue>> MapWithFailuresAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options = null,
        CancellationToken cancellationToken = default) =>
        MapCoreAsync(producer, source, options, collectFailures: true, cancellationToken);

    /// <summary>Starts releasing the client without blocking the calling thread; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        var disposing = DisposeAsync();
        if (!disposing.IsCompleted)
        {
            _ = disposing.AsTask();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _router.DisposeAsync().ConfigureAwait(false);
        }
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
        options?.ThrowIfInvalid(nameof(options));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_hostStopping.CanBeCanceled)
        {
            return await MapUntilCancelledAsync(producer, source, options, collectFailures, cancellationToken).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _hostStopping);
        try
        {
            return await MapUntilCancelledAsync(producer, source, options, collectFailures, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (_hostStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not HostStoppingException)
        {
            ClientLog.CancelledByHostStopBeforeJob(_logger, _registry.GetProducer(producer.GetType()).Name);
            throw new OperationCanceledException($"The job of producer '{_registry.GetProducer(producer.GetType()).Name}' was cancelled: the host is stopping.", ex, _hostStopping);
        }
    }

    private async Task<MapResult<TValue>> MapUntilCancelledAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        DataSourceFactory<TItem> source,
        MapOptions? options,
        bool collectFailures,
        CancellationToken cancellationToken)
    {
        options ??= MapOptions.Default;
        var producerName = _registry.GetProducer(producer.GetType()).Name;
        var sliceCount = options.SliceCount ?? producer.DefaultSliceCount switch
        {
            0 => SliceCount.Auto,
            > 0 and var count => SliceCount.Fixed(count),
            var count => throw new ArgumentOutOfRangeException(nameof(producer), count, $"The DefaultSliceCount of producer '{producerName}' must be at least 1, or 0 for SliceCount.Auto."),
        };

        if (options.ComputeLocally ?? _options.ComputeLocally)
        {
            ClientLog.ComputingLocally(_logger, producerName);
            return await _local.ComputeAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await RunJobAsync(producer, producerName, source, sliceCount, options, collectFailures, cancellationToken).ConfigureAwait(false);
        }
        catch (MapTimeoutException ex) when (options.OnTimeout == TimeoutBehavior.ComputeLocally)
        {
            ClientLog.TimedOutComputingLocally(_logger, ex.JobId ?? "", producerName, ex.Timeout, ex.CompletedSlices, ex.TotalSlices);
            return await _local.ComputeAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportUnavailableException ex) when (_options.ComputeLocallyWhenUnreachable || options.OnTimeout == TimeoutBehavior.ComputeLocally)
        {
            // A broker that cannot be reached cannot answer within the job's timeout: the job's OnTimeout policy applies.
            ClientLog.FallingBackToLocal(_logger, _transport.Description, ex.Message, producerName);
            return await _local.ComputeAsync(producer, source, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cuts the source into windows and runs them as one job on the workers.</summary>
    private async Task<MapResult<TValue>> RunJobAsync<TItem, TValue>(
        Producer<TItem, TValue> producer,
        string producerName,
        DataSourceFactory<TItem> source,
        SliceCount sliceCount,
        MapOptions options,
        bool collectFailures,
        CancellationToken cancellationToken)
    {
        var timeout = options.Timeout ?? _options.DefaultTimeout;
        var jobId = Guid.NewGuid().ToString("N");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        SliceJob<TItem, TValue>? job = null;
        JobEvents? events = null;
        var windowsCount = 0;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var range = source.Within(await _local.UseSourceAsync(source, s => s.GetLengthAsync(deadline.Token)).ConfigureAwait(false));
            var windows = Slicer.Cut(range, await ChooseSliceCountAsync(jobId, producerName, sliceCount, range.Limit, deadline.Token).ConfigureAwait(false));
            windowsCount = windows.Count;
            if (windows.Count == 0)
            {
                return new MapResult<TValue>(producer.Reduce([]), hasValue: true, 0, []);
            }

            var replyTo = await _router.GetAddressAsync(deadline.Token).ConfigureAwait(false);
            using var activity = PymarTelemetry.StartJob(producerName, jobId, windows.Count, _transport.MessagingSystem, _transport.QueueName(producerName));
            var dataSourceName = source.DataSourceType is { } type ? _registry.GetDataSource(type).Name : null;
            job = new SliceJob<TItem, TValue>(
                new JobPlan<TItem, TValue>(jobId, producer, producerName, source, dataSourceName, windows, replyTo, timeout, options, TracePropagation.Inject(activity ?? Activity.Current)),
                _transport,
                _time,
                _logger)
            { Events = events = JobEvents.For(_events, jobId, producerName, windows.Count) };
            using var routing = _router.Route(jobId, job);
            events?.Started();
            var result = await job.RunAsync(collectFailures, deadline.Token).ConfigureAwait(false);
            events?.Finished(result.Value, job.Retries);
            ClientLog.Reduced(_logger, jobId, producerName, windows.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (Exception ex) when (events is not null && Fail(events, job?.Completed ?? 0, ex))
        {
            throw; // Not reached: Fail returns false, so the exception goes on as it was.
        }
        catch (OperationCanceledException ex) when (_hostStopping.IsCancellationRequested)
        {
            ClientLog.CancelledByHostStop(_logger, jobId, producerName, job?.Completed ?? 0, job?.Total ?? windowsCount);
            throw new HostStoppingException(string.Create(CultureInfo.InvariantCulture,
                $"Job {jobId} of producer '{producerName}' was cancelled with {job?.Completed ?? 0} of {job?.Total ?? windowsCount} slice(s) answered: the host is stopping."), ex, _hostStopping);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            if (job is not null)
            {
                ClientLog.TimedOut(_logger, jobId, producerName, timeout!.Value, job.DescribeUnanswered());
            }

            throw new MapTimeoutException(producerName, jobId, timeout!.Value, job?.Completed ?? 0, job?.Total ?? 0, job?.Published ?? 0, _transport.IsConnected);
        }
    }

    /// <summary>A fixed count as it is; <see cref="SliceCount.Auto"/> from the live worker slots the transport sees.</summary>
    private async ValueTask<int> ChooseSliceCountAsync(string jobId, string producerName, SliceCount requested, long length, CancellationToken cancellationToken)
    {
        if (requested.Value is { } count)
        {
            return count;
        }

        var live = _transport is IWorkerPresence presence
            ? await presence.GetLiveSlotsAsync(producerName, cancellationToken).ConfigureAwait(false)
            : default;
        var chosen = AutoSliceCount.Choose(live.Slots, _options.AutoSliceBalance, length, _options.AutoSliceMinItems, _options.AutoSliceFallback);
        if (live.Slots > 0)
        {
            ClientLog.AutoSliceCount(_logger, jobId, producerName, chosen, live.Slots, live.Workers, _options.AutoSliceBalance, length, _options.AutoSliceMinItems);
        }
        else
        {
            ClientLog.AutoSliceCountWithoutWorkers(_logger, jobId, producerName, chosen, _options.AutoSliceFallback, length, _options.AutoSliceMinItems);
        }

        return chosen;
    }

    /// <summary>The cancellation of a job by its host's stopping, already logged with the job's id.</summary>
    private sealed class HostStoppingException(string message, Exception inner, CancellationToken token) : OperationCanceledException(message, inner, token);

    /// <summary>Publishes a job's failure from an exception filter; returns false so the exception is not caught.</summary>
    private static bool Fail(JobEvents events, int answered, Exception error)
    {
        events.Failed(answered, error);
        return false;
    }
}
