using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.Resilience;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Workers;

/// <summary>
/// The worker pool: a hosted service that consumes the slices of every served producer and runs up to
/// <see cref="WorkerOptions.Concurrency"/> of them at once on dedicated threads (a producer's computations known to be
/// short, on the thread pool: see <see cref="ComputeThreads"/>). It replies with each partial
/// value and only then acknowledges the slice. On stop it takes no new slice, returns the ones it had not started,
/// and lets running ones finish within the host's shutdown timeout. When the concurrency is a range, the pool's
/// <see cref="Slots"/> follow its backlog (see <see cref="WorkerOptions.Concurrency"/>).
/// </summary>
public sealed class WorkerService : BackgroundService, IWorkerPoolState, IPymarWorkerStatus
{
    private static readonly TimeSpan s_abortGrace = TimeSpan.FromSeconds(5);
    private readonly IPymarTransport _transport;
    private readonly PymarRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly WorkerOptions _options;
    private readonly ILogger<WorkerService> _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _consuming = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResiliencePipeline _waitForBroker;
    private readonly IPymarEventPublisher _events;
    private SliceExecutor? _executor;
    private SlotLimit? _slots;
    private string[] _producers = [];
    private int _running;

    /// <summary>Creates the worker pool; <c>AddWorkers()</c> registers it.</summary>
    internal WorkerService(IServiceProvider services)
    {
        _transport = services.GetRequiredService<IPymarTransport>();
        _registry = services.GetRequiredService<PymarRegistry>();
        _services = services;
        _options = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        _logger = services.GetRequiredService<ILogger<WorkerService>>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _events = services.GetService<IPymarEventPublisher>() ?? NullPymarEventPublisher.Instance;
        WorkerId = string.IsNullOrWhiteSpace(_options.WorkerId) ? $"{Environment.MachineName}/{Environment.ProcessId}" : _options.WorkerId;
        _waitForBroker = Backoff.Forever<TransportUnavailableException>(_time, TimeSpan.FromSeconds(1), (error, delay) => WorkerLog.WaitingForBroker(_logger, WorkerId, error.Message, delay));
    }

    /// <summary>This worker's id, as it appears in replies and log lines.</summary>
    public string WorkerId { get; }

    /// <summary>How many slices this pool has answered (with a value or an error).</summary>
    public long CompletedSlices => _executor?.Completed ?? 0;

    /// <summary>How many slots of <see cref="WorkerOptions.Concurrency"/> are held by slices that ignored their cancellation.</summary>
    public int LostSlots => _executor?.LostSlots ?? 0;

    /// <summary>How many slices this pool may run at once now: its concurrency, or where it is within its range.</summary>
    public int Slots => _slots?.Current ?? _options.Concurrency.Min;

    /// <inheritdoc />
    int IWorkerPoolState.Concurrency => Slots;

    /// <summary>True from the moment the pool consumes its queues until it stops.</summary>
    public bool IsConsuming { get; private set; }

    /// <summary>Completes once the pool consumes its queues.</summary>
    public Task Consuming => _consuming.Task;

    /// <inheritdoc />
    IReadOnlyList<string> IPymarWorkerStatus.Producers => Volatile.Read(ref _producers);

    /// <inheritdoc />
    int IPymarWorkerStatus.SlotsTotal => Slots;

    /// <inheritdoc />
    WorkerConcurrency IPymarWorkerStatus.Concurrency => _options.Concurrency;

    /// <inheritdoc />
    int IPymarWorkerStatus.SlotsBusy => Volatile.Read(ref _running);

    /// <inheritdoc />
    long IPymarWorkerStatus.SlicesDone => CompletedSlices;

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var stopping = base.StopAsync(CancellationToken.None);
        try
        {
            await stopping.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out: interrupt running slices; they go back to their queue.
            await _abort.CancelAsync().ConfigureAwait(false);
            await stopping.WaitAsync(s_abortGrace, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _abort.Cancel();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var producers = ServedProducers();
        Volatile.Write(ref _producers, producers);
        var concurrency = _options.Concurrency;
        if (_options.PurgeOnStart)
        {
            var purged = await RetryWhileUnavailableAsync(ct => _transport.PurgeAsync(producers, ct), stoppingToken).ConfigureAwait(false);
            WorkerLog.Purged(_logger, purged, string.Join(", ", producers));
        }

        // One thread and one runner per slot of the maximum; the slot limit says how many of them serve.
        using var compute = new ComputeThreads(concurrency.Max, "pymar-worker", continueOnComputeThread: true);
        var jobs = new JobTracker();
        _executor = new SliceExecutor(_registry, _services, compute, jobs, _options, WorkerId, _logger, _time) { Events = _events, MessagingSystem = _transport.MessagingSystem, MaxReplyBytes = _transport.MaxMessageBytes };
        var slots = _slots = new SlotLimit(concurrency.Min);
        var jobEnded = await SubscribeJobEndedAsync(jobs, stoppingToken).ConfigureAwait(false);
        // A slot waiting for a slice takes it up on the thread that hands it over (the transport's delivery thread, which
        // is awake), so no thread has to wake up for it, as long as preparing slices has been quick (RunAsync); the
        // computation itself runs elsewhere (ComputeThreads), so the delivery thread is held only briefly.
        var pending = Channel.CreateBounded<SliceDelivery>(new BoundedChannelOptions(concurrency.Max) { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = true });

        var consumer = await ConsumeAsync(producers, concurrency.Min, pending.Writer, stoppingToken).ConfigureAwait(false);
        await using (consumer.ConfigureAwait(false))
        {
            // SliceCount.Auto sizes a job for the slots an elastic pool grows to under it.
            var presence = await AnnounceAsync(producers, concurrency.Max, stoppingToken).ConfigureAwait(false);
            WorkerLog.Consuming(_logger, WorkerId, string.Join(", ", producers), _transport.Description, concurrency.ToString());
            IsConsuming = true;
            _consuming.TrySetResult();
            var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runners = new Task[concurrency.Max];
            for (var i = 0; i < runners.Length; i++)
            {
                runners[i] = RunAsync(pending.Reader, _executor, slot: i, slots, paused.Task, stoppingToken);
            }

            var scaling = concurrency.IsElastic ? ScaleAsync(consumer, pending.Reader, slots, stoppingToken) : Task.CompletedTask;
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }

            await scaling.ConfigureAwait(false);

            IsConsuming = false;
            WorkerLog.Stopping(_logger, WorkerId, Volatile.Read(ref _running));
            // Stop consuming first: until the broker has the cancel, a slice handed over now is returned and would come
            // straight back to this consumer, each round counting as a delivery.
            try
            {
                await consumer.PauseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                paused.TrySetResult();
            }

            await presence.DisposeAsync().ConfigureAwait(false);
            await jobEnded.DisposeAsync().ConfigureAwait(false);
            pending.Writer.TryComplete();

            // Slices handed over but not started go back now, not when a busy slot would have reached them.
            while (pending.Reader.TryRead(out var unstarted))
            {
                await unstarted.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
            }

            try
            {
                await Task.WhenAll(runners).WaitAsync(_abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Slices that ignore cancellation are left behind; disposing the consumer returns them to their queue.
            }
        }

        WorkerLog.Stopped(_logger, WorkerId, _executor.Completed);
    }

    /// <summary>Listens for ended jobs and answered slices, so their slices are dropped or cancelled.</summary>
    private Task<IAsyncDisposable> SubscribeJobEndedAsync(JobTracker jobs, CancellationToken stoppingToken) =>
        RetryWhileUnavailableAsync(
            ct =>
            {
                ValueTask OnJobEnded(string jobId)
                {
                    jobs.MarkEnded(jobId);
                    return ValueTask.CompletedTask;
                }

                return _transport is ISliceCancellation control
                    ? control.SubscribeControlAsync(
                        OnJobEnded,
                        (jobId, sliceIndex) =>
                        {
                            jobs.CancelSlice(jobId, sliceIndex);
                            return ValueTask.CompletedTask;
                        },
                        ct)
                    : _transport.SubscribeJobEndedAsync(OnJobEnded, ct);
            },
            stoppingToken);

    /// <summary>Starts consuming the served producers' queues.</summary>
    private Task<ISliceConsumer> ConsumeAsync(string[] producers, int concurrency, ChannelWriter<SliceDelivery> pending, CancellationToken stoppingToken) =>
        RetryWhileUnavailableAsync(
            ct => _transport.ConsumeSlicesAsync(producers, concurrency, (delivery, token) => HandOverAsync(pending, delivery, token), ct),
            stoppingToken);

    /// <summary>Tells producers this pool's slots (for <see cref="SliceCount.Auto"/>) until the result is disposed.</summary>
    private async Task<IAsyncDisposable> AnnounceAsync(string[] producers, int concurrency, CancellationToken stoppingToken) =>
        _transport is IWorkerPresence presence
            ? await RetryWhileUnavailableAsync(ct => presence.AnnounceAsync(new WorkerAnnouncement(WorkerId, producers, concurrency), ct), stoppingToken).ConfigureAwait(false)
            : new Subscription(static () => { });

    /// <summary>
    /// Once a second, lets <see cref="ConcurrencyScaler"/> decide the slots from the backlog (delivered slices not
    /// started, plus those waiting in the queues), the busy slots and the CPU load, and applies its change: a growing
    /// pool raises the consumer's prefetch before its extra slots serve, a shrinking one stops its extra slots first.
    /// </summary>
    private async Task ScaleAsync(ISliceConsumer consumer, ChannelReader<SliceDelivery> pending, SlotLimit slots, CancellationToken stoppingToken)
    {
        if (consumer is not IResizableSliceConsumer resizable)
        {
            WorkerLog.CannotScale(_logger, WorkerId, _transport.Description, _options.Concurrency.ToString(), slots.Current);
            return;
        }

        var scaler = new ConcurrencyScaler(_options.Concurrency, _options.ScaleDownAfter, _time);
        var cpu = new ProcessCpuLoad();
        using var timer = new PeriodicTimer(ConcurrencyScaler.GrowEvery, _time);
        try
        {
            // The consumer's calls are not cancelled midway (a broker call cut short can leave its channel waiting for
            // a reply): they are short, and the loop ends at the next tick once the pool stops.
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var backlog = pending.Count + await resizable.CountWaitingAsync(CancellationToken.None).ConfigureAwait(false);
                if (scaler.Sample(backlog, Volatile.Read(ref _running), cpu.Sample()) is not { } change)
                {
                    continue;
                }

                WorkerLog.SlotsChanged(_logger, WorkerId, change.From, change.To, _options.Concurrency.ToString(), change.Reason);
                if (change.To > change.From)
                {
                    await resizable.ResizeAsync(change.To, CancellationToken.None).ConfigureAwait(false);
                    slots.Set(change.To);
                }
                else
                {
                    slots.Set(change.To);
                    await resizable.ResizeAsync(change.To, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Workers may start before the broker: wait for it with a growing delay, logging each attempt.</summary>
    private Task<T> RetryWhileUnavailableAsync<T>(Func<CancellationToken, ValueTask<T>> start, CancellationToken stoppingToken) =>
        _waitForBroker.ExecuteAsync(static (start, ct) => start(ct), start, stoppingToken).AsTask();

    private static async ValueTask HandOverAsync(ChannelWriter<SliceDelivery> pending, SliceDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            await pending.WriteAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            await delivery.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One slot of the pool: runs slices one after another while the slot serves; after stop, returns the unstarted
    /// ones. A slot that stops serving finishes the slice it runs (or has just taken) first.
    /// </summary>
    private async Task RunAsync(ChannelReader<SliceDelivery> pending, SliceExecutor executor, int slot, SlotLimit slots, Task consumerPaused, CancellationToken stoppingToken)
    {
        while (true)
        {
            if (slot >= slots.Current)
            {
                try
                {
                    await slots.WaitServingAsync(slot, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // A slot that does not serve holds nothing; the serving ones return what is left.
                    return;
                }
            }

            if (!await pending.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }

            if (!pending.TryRead(out var delivery))
            {
                continue;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                // Returned only once the consumer is cancelled, or the broker would hand it straight back to this worker.
                await consumerPaused.ConfigureAwait(false);
                await delivery.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (!executor.PreparesQuickly)
            {
                // Off the delivery thread (where a waiting slot takes its slice up) before a slow preparation: reading
                // large items, a slow data source or producer, or no slice prepared yet. The other slots' slices would
                // wait for it there.
                await Task.Yield();
            }

            Interlocked.Increment(ref _running);
            try
            {
                await executor.HandleAsync(delivery, slot, _abort.Token, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                WorkerLog.HandlingFailed(_logger, ex, delivery.Queue);
                try
                {
                    await delivery.RejectAsync(requeue: true, ex.Message, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The transport is gone; the broker returns the slice to its queue when the channel closes.
                }
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private string[] ServedProducers()
    {
        if (_options.Producers.Count == 0)
        {
            var all = _registry.Producers.Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            return all.Length > 0
                ? all
                : throw new PymarConfigurationException("The worker pool has no producer to serve. Register one with AddProducer<T>() on AddPymar(...).");
        }

        return _options.Producers.Select(name => _registry.GetProducer(name).Name).Distinct(StringComparer.Ordinal).ToArray();
    }
}
