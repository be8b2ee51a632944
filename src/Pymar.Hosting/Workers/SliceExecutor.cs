using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Handles one slice delivery on a worker: reads the request, runs the producer, replies with the partial value or
/// the error, and only then acknowledges. Messages that can never succeed (unreadable, naming something this
/// worker does not know, a window beyond the data, or delivered too often) are answered with an error and
/// dead-lettered; ones whose reply would go where it must not, or that arrive after their job's timeout, are
/// dead-lettered unanswered. A running slice is cancelled at its deadline (its job's timeout, or
/// <see cref="WorkerOptions.MaxSliceDuration"/>); one that ignores the cancellation keeps its slot, counted as lost.
/// </summary>
internal sealed class SliceExecutor(
    PymarRegistry registry,
    IServiceProvider services,
    ComputeThreads compute,
    JobTracker jobs,
    WorkerOptions options,
    string workerId,
    ILogger logger,
    TimeProvider time)
{
    private readonly Dictionary<string, SliceRunner> _runners = registry.Producers.ToDictionary(p => p.Name, SliceRunner.For, StringComparer.Ordinal);
    private readonly RecentSliceTime _recent = new();
    private readonly RecentSliceTime _preparation = new(QuickPreparation);
    private long _completed;
    private int _lostSlots;

    /// <summary>
    /// A slice's preparation (reading the request, the checks, building the producer and the data source, reading the
    /// window up to its first wait, handing the computation over) is quick below this on average.
    /// </summary>
    public static readonly TimeSpan QuickPreparation = TimeSpan.FromMilliseconds(0.25);

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>True when the recent slices' preparation was quick (<see cref="QuickPreparation"/>); false until one was prepared.</summary>
    public bool PreparesQuickly => _preparation.IsShort;

    /// <summary>Slots held by slices that ignored their cancellation and have not returned yet.</summary>
    public int LostSlots => Volatile.Read(ref _lostSlots);

    /// <summary>The largest reply the transport carries (<see cref="IPymarTransport.MaxMessageBytes"/>): a larger partial value is answered as an error.</summary>
    public long MaxReplyBytes { get; init; } = long.MaxValue;

    /// <summary>Where slice started/finished/failed events go; the null publisher unless events are on.</summary>
    public IPymarEventPublisher Events { get; init; } = NullPymarEventPublisher.Instance;

    /// <summary>The transport's <c>messaging.system</c>, for the slice spans.</summary>
    public string MessagingSystem { get; init; } = "pymar";

    /// <summary>Handles one delivery on the pool's slot <paramref name="slot"/> (its task-stream lane).</summary>
    /// <param name="delivery">The slice message.</param>
    /// <param name="slot">The pool's slot that runs it.</param>
    /// <param name="abort">Interrupts the slice: the worker is stopping and its drain time ran out.</param>
    /// <param name="stopping">The worker is stopping: a slot held by a lost slice stops waiting for it.</param>
    public async Task HandleAsync(SliceDelivery delivery, int slot, CancellationToken abort, CancellationToken stopping)
    {
        var entered = Stopwatch.GetTimestamp();
        SliceRequest request;
        try
        {
            request = MessageCodec.ReadRequest(delivery.Body.Span);
        }
        catch (MalformedMessageException ex)
        {
            WorkerLog.Malformed(logger, delivery.Queue, ex.Message);
            await ReplyToUnreadableAsync(delivery, ex).ConfigureAwait(false);
            await delivery.RejectAsync(requeue: false, ex.Message, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        using var scope = logger.BeginScope(new SliceLogScope(request.JobId, request.SliceIndex, request.Producer));
        if (jobs.IsDone(request.JobId, request.SliceIndex))
        {
            WorkerLog.SliceDropped(logger, request.SliceIndex, request.JobId, request.Producer,
                jobs.HasEnded(request.JobId) ? "its job has ended" : "another copy of it has answered");
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // Before anything could answer: a reply must never land in a work queue, or be sent into nowhere.
        if (await RefuseReplyToAsync(delivery, request.ReplyTo).ConfigureAwait(false) is { } refusal)
        {
            var reason = $"Slice {request.SliceIndex} {request.Window} of producer '{request.Producer}' asks for its reply to go to '{request.ReplyTo}', which {refusal}. It is dead-lettered unanswered.";
            await DeadLetterAsync(delivery, request, reason).ConfigureAwait(false);
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (request.ExpiresAtUnixMilliseconds is { } expires && now > expires)
        {
            // Unanswered: the producer that set the timeout has stopped waiting for it.
            await DeadLetterAsync(delivery, request, string.Create(CultureInfo.InvariantCulture,
                $"Slice {request.SliceIndex} {request.Window} of producer '{request.Producer}' arrived after its job's timeout had passed (expired {now - expires} ms before); it is dead-lettered without being computed.")).ConfigureAwait(false);
            return;
        }

        if (delivery.DeliveryCount > options.MaxDeliveries)
        {
            var poison = new PymarException(string.Create(CultureInfo.InvariantCulture,
                $"Slice {request.SliceIndex} {request.Window} of producer '{request.Producer}' was delivered {delivery.DeliveryCount} times and no worker answered it: each worker that took it stopped (crashed or was killed) while computing it. It is dead-lettered."));
            WorkerLog.Poison(logger, request.SliceIndex, request.JobId, request.Producer, delivery.DeliveryCount);
            await RejectAsync(delivery, request, poison).ConfigureAwait(false);
            return;
        }

        if (!_runners.TryGetValue(request.Producer, out var runner))
        {
            WorkerLog.UnknownProducer(logger, request.SliceIndex, request.JobId, request.Producer);
            await RejectAsync(delivery, request, new PymarConfigurationException($"Producer '{request.Producer}' is not registered on worker {workerId}.")).ConfigureAwait(false);
            return;
        }

        WorkerLog.SliceStarted(logger, request.SliceIndex, request.Window, request.JobId, request.Producer, delivery.Redelivered ? " (redelivered)" : "");
        var producerTag = new KeyValuePair<string, object?>("pymar.producer", request.Producer);
        if (delivery.Redelivered)
        {
            PymarTelemetry.SlicesRedelivered.Add(1, producerTag);
        }

        using var activity = PymarTelemetry.StartSlice(request.Producer, request.JobId, request.SliceIndex, request.Attempt, MessagingSystem, delivery.Queue, delivery.PropagationHeaders);
        var started = Stopwatch.GetTimestamp();
        var deadline = DeadlineOf(request, now);
        using var timeout = deadline is { } after ? new CancellationTokenSource(after.Delay, time) : null;
        using var sliceCancellation = timeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(abort)
            : CancellationTokenSource.CreateLinkedTokenSource(abort, timeout.Token);
        if (Events.IsEnabled && !_recent.IsShort)
        {
            Events.SliceStarted(request.JobId, request.Producer, request.SliceIndex, request.Attempt, slot);
        }

        using var tracking = jobs.Track(request.JobId, request.SliceIndex, sliceCancellation);
        Task<byte[]>? computing = null;
        byte[] reply;
        try
        {
            var sliceScope = services.CreateAsyncScope();
            await using (sliceScope.ConfigureAwait(false))
            {
                computing = runner.RunAsync(request, sliceScope.ServiceProvider, registry, compute, jobs, sliceCancellation.Token).AsTask();
                _preparation.Note(Stopwatch.GetElapsedTime(entered));
                var value = await WithGraceAsync(computing, sliceCancellation.Token).ConfigureAwait(false);
                reply = MessageCodec.WriteValueReply(request.JobId, request.SliceIndex, request.Attempt, workerId, value, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (reply.LongLength > MaxReplyBytes)
            {
                // The broker would refuse it (closing the channel) or the producer's client would: an error gets through.
                throw new PymarException(string.Create(CultureInfo.InvariantCulture,
                    $"Slice {request.SliceIndex} {request.Window} of producer '{request.Producer}' has a partial value of {reply.LongLength} bytes as a reply, over the transport's limit of {MaxReplyBytes} bytes (Pymar:Broker:MaxMessageBytes with RabbitMQ). Return a smaller partial value per slice, or use more slices."));
            }

            var took = Stopwatch.GetElapsedTime(started);
            var elapsed = took.TotalMilliseconds;
            WorkerLog.SliceDone(logger, request.SliceIndex, request.JobId, request.Producer, elapsed);
            PymarTelemetry.SliceDuration.Record(elapsed, producerTag);
            PymarTelemetry.SlicesCompleted.Add(1, producerTag);
            if (Events.IsEnabled)
            {
                // The recent slice time only decides whether to make started events.
                _recent.Note(took);
                Events.SliceFinished(request.JobId, request.Producer, request.SliceIndex, request.Attempt, slot, took);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SliceLostException && sliceCancellation.IsCancellationRequested)
        {
            var lost = ex is SliceLostException;
            if (lost)
            {
                var lostSlots = Interlocked.Increment(ref _lostSlots);
                WorkerLog.SliceLost(logger, request.SliceIndex, request.JobId, request.Producer, options.CancellationGrace, lostSlots);
                PymarTelemetry.SlicesLost.Add(1, producerTag);
            }

            await SettleCancelledAsync(delivery, request, abort.IsCancellationRequested, timeout?.IsCancellationRequested == true ? deadline?.Reason : null).ConfigureAwait(false);
            if (lost)
            {
                await HoldLostSlotAsync(request, computing!, stopping).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception ex) when (ex is PymarConfigurationException or MalformedMessageException)
        {
            // Retrying on another worker cannot help: an unknown data source, items that do not fit the producer,
            // a window beyond the data.
            WorkerLog.SliceFailed(logger, ex, request.SliceIndex, request.Window, request.JobId, request.Producer);
            await RejectAsync(delivery, request, ex).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            WorkerLog.SliceFailed(logger, ex, request.SliceIndex, request.Window, request.JobId, request.Producer);
            PymarTelemetry.SlicesFailed.Add(1, producerTag);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Events.SliceFailed(request.JobId, request.Producer, request.SliceIndex, request.Attempt, slot, Stopwatch.GetElapsedTime(started), $"{ex.GetType().Name}: {ex.Message}");
            reply = MessageCodec.WriteErrorReply(request.JobId, request.SliceIndex, ToRemoteError(ex, request.Attempt));
        }

        await delivery.ReplyAsync(request.ReplyTo, reply, request.CorrelationId, CancellationToken.None).ConfigureAwait(false);
        await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>
    /// The slice's deadline: its job's timeout or <see cref="WorkerOptions.MaxSliceDuration"/>, whichever comes first;
    /// null when neither applies.
    /// </summary>
    private (TimeSpan Delay, string Reason)? DeadlineOf(SliceRequest request, long nowUnixMilliseconds)
    {
        (TimeSpan Delay, string Reason)? deadline = options.MaxSliceDuration is { } max
            ? (max, string.Create(CultureInfo.InvariantCulture, $"{WorkerOptions.SectionName}:MaxSliceDuration ({max})"))
            : null;

        // expires >= now here; a value beyond what a timer can wait for does not bound the slice.
        if (request.ExpiresAtUnixMilliseconds is { } expires
            && expires - nowUnixMilliseconds is var left && left <= (long)WorkerOptionsValidator.MaxSliceDuration.TotalMilliseconds
            && (deadline is null || left < deadline.Value.Delay.TotalMilliseconds))
        {
            deadline = (TimeSpan.FromMilliseconds(Math.Max(left, 1)), "its job's timeout");
        }

        return deadline;
    }

    /// <summary>
    /// Waits for the slice; once it is cancelled, waits at most <see cref="WorkerOptions.CancellationGrace"/> more
    /// for it to notice, then gives up on it (<see cref="SliceLostException"/>) rather than hang with it.
    /// </summary>
    private async Task<byte[]> WithGraceAsync(Task<byte[]> computing, CancellationToken cancellationToken)
    {
        try
        {
            return await computing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        try
        {
            return await computing.WaitAsync(options.CancellationGrace, time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SliceLostException();
        }
    }

    /// <summary>Settles a cancelled slice by why it was cancelled: the worker stops, its deadline passed, or its job ended (or another copy answered).</summary>
    private async Task SettleCancelledAsync(SliceDelivery delivery, SliceRequest request, bool aborted, string? deadline)
    {
        if (aborted)
        {
            WorkerLog.SliceReturned(logger, request.SliceIndex, request.JobId, request.Producer);
            await delivery.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
        }
        else if (deadline is not null)
        {
            WorkerLog.SliceTimedOut(logger, request.SliceIndex, request.Window, request.JobId, request.Producer, deadline);
            await RejectAsync(delivery, request, new PymarException(string.Create(CultureInfo.InvariantCulture,
                $"Slice {request.SliceIndex} {request.Window} of producer '{request.Producer}' ran past {deadline} on worker {workerId} and was cancelled (deadline passed); it is dead-lettered."))).ConfigureAwait(false);
        }
        else
        {
            // Not a failure: nobody waits for this answer any more.
            WorkerLog.SliceDropped(logger, request.SliceIndex, request.JobId, request.Producer,
                jobs.HasEnded(request.JobId) ? "its job ended while it ran" : "another copy of it answered while it ran");
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The slot stays with a slice that ignored its cancellation (its compute thread is still busy with it) until it
    /// returns, or until the worker stops, which never waits for it.
    /// </summary>
    private async Task HoldLostSlotAsync(SliceRequest request, Task<byte[]> computing, CancellationToken stopping)
    {
        try
        {
            await computing.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !computing.IsCompleted)
        {
            return;
        }
        catch (Exception)
        {
            // It returned with an error; its answer was already given.
        }

        Interlocked.Decrement(ref _lostSlots);
        WorkerLog.SlotRecovered(logger, request.SliceIndex, request.JobId, request.Producer);
    }

    /// <summary>Asks the transport whether a reply may go to <paramref name="replyTo"/>; null when it may.</summary>
    private static async ValueTask<string?> RefuseReplyToAsync(SliceDelivery delivery, string replyTo) =>
        delivery is IReplyAddressCheck check ? await check.RefuseReplyToAsync(replyTo, CancellationToken.None).ConfigureAwait(false) : null;

    /// <summary>Answers with an error and dead-letters the message: it can never succeed.</summary>
    private async Task RejectAsync(SliceDelivery delivery, SliceRequest request, Exception error)
    {
        PymarTelemetry.SlicesFailed.Add(1, new KeyValuePair<string, object?>("pymar.producer", request.Producer));
        var reply = MessageCodec.WriteErrorReply(request.JobId, request.SliceIndex, ToRemoteError(error, request.Attempt));
        await delivery.ReplyAsync(request.ReplyTo, reply, request.CorrelationId, CancellationToken.None).ConfigureAwait(false);
        await delivery.RejectAsync(requeue: false, error.Message, CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Dead-letters the message without answering it.</summary>
    private async Task DeadLetterAsync(SliceDelivery delivery, SliceRequest request, string reason)
    {
        WorkerLog.Refused(logger, request.SliceIndex, request.JobId, request.Producer, reason);
        PymarTelemetry.SlicesFailed.Add(1, new KeyValuePair<string, object?>("pymar.producer", request.Producer));
        await delivery.RejectAsync(requeue: false, reason, CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Answers a message that could not be read, when its transport properties say where and for which slice.</summary>
    private async ValueTask ReplyToUnreadableAsync(SliceDelivery delivery, MalformedMessageException error)
    {
        if (string.IsNullOrEmpty(delivery.ReplyTo) || !Correlation.TryParse(delivery.CorrelationId, out var jobId, out var sliceIndex)
            || await RefuseReplyToAsync(delivery, delivery.ReplyTo).ConfigureAwait(false) is not null)
        {
            return;
        }

        var reply = MessageCodec.WriteErrorReply(jobId, sliceIndex, ToRemoteError(error, attempt: 0));
        await delivery.ReplyAsync(delivery.ReplyTo, reply, delivery.CorrelationId!, CancellationToken.None).ConfigureAwait(false);
    }

    private RemoteError ToRemoteError(Exception exception, int attempt) => new()
    {
        Type = exception.GetType().FullName ?? exception.GetType().Name,
        Message = exception.Message,
        StackTrace = exception.StackTrace,
        WorkerId = workerId,
        Attempt = attempt,
    };
}
