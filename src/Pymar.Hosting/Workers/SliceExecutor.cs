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
/// worker does not know, or delivered too often) are answered with an error and dead-lettered.
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
    private long _completed;

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Where slice started/finished/failed events go; the null publisher unless events are on.</summary>
    public IPymarEventPublisher Events { get; init; } = NullPymarEventPublisher.Instance;

    /// <summary>Handles one delivery on the pool's slot <paramref name="slot"/> (its task-stream lane).</summary>
    public async Task HandleAsync(SliceDelivery delivery, int slot, CancellationToken abort)
    {
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
        if (request.ExpiresAtUnixMilliseconds is { } expires && time.GetUtcNow().ToUnixTimeMilliseconds() > expires)
        {
            WorkerLog.SliceDropped(logger, request.SliceIndex, request.JobId, request.Producer, "its job's timeout has passed");
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (jobs.HasEnded(request.JobId))
        {
            WorkerLog.SliceDropped(logger, request.SliceIndex, request.JobId, request.Producer, "its job has ended");
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
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

        using var activity = PymarTelemetry.StartSlice(request.Producer, request.JobId, request.SliceIndex, request.TraceParent);
        var started = Stopwatch.GetTimestamp();
        Events.SliceStarted(request.JobId, request.Producer, request.SliceIndex, request.Attempt, slot);
        using var sliceCancellation = CancellationTokenSource.CreateLinkedTokenSource(abort);
        using var tracking = jobs.Track(request.JobId, sliceCancellation);
        byte[] reply;
        try
        {
            var sliceScope = services.CreateAsyncScope();
            await using (sliceScope.ConfigureAwait(false))
            {
                var value = await runner.RunAsync(request, sliceScope.ServiceProvider, registry, compute, sliceCancellation.Token).ConfigureAwait(false);
                reply = MessageCodec.WriteValueReply(request.JobId, request.SliceIndex, request.Attempt, workerId, value);
            }

            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            WorkerLog.SliceDone(logger, request.SliceIndex, request.JobId, request.Producer, elapsed);
            PymarTelemetry.SliceDuration.Record(elapsed, producerTag);
            PymarTelemetry.SlicesCompleted.Add(1, producerTag);
            Events.SliceFinished(request.JobId, request.Producer, request.SliceIndex, request.Attempt, slot, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            WorkerLog.SliceReturned(logger, request.SliceIndex, request.JobId, request.Producer);
            await delivery.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (sliceCancellation.IsCancellationRequested)
        {
            WorkerLog.SliceDropped(logger, request.SliceIndex, request.JobId, request.Producer, "its job ended while it ran");
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is PymarConfigurationException or MalformedMessageException)
        {
            // Retrying on another worker cannot help: an unknown data source, items that do not fit the producer.
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

    /// <summary>Answers with an error and dead-letters the message: it can never succeed.</summary>
    private async Task RejectAsync(SliceDelivery delivery, SliceRequest request, Exception error)
    {
        PymarTelemetry.SlicesFailed.Add(1, new KeyValuePair<string, object?>("pymar.producer", request.Producer));
        var reply = MessageCodec.WriteErrorReply(request.JobId, request.SliceIndex, ToRemoteError(error, request.Attempt));
        await delivery.ReplyAsync(request.ReplyTo, reply, request.CorrelationId, CancellationToken.None).ConfigureAwait(false);
        await delivery.RejectAsync(requeue: false, error.Message, CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Answers a message that could not be read, when its transport properties say where and for which slice.</summary>
    private async ValueTask ReplyToUnreadableAsync(SliceDelivery delivery, MalformedMessageException error)
    {
        if (string.IsNullOrEmpty(delivery.ReplyTo) || !Correlation.TryParse(delivery.CorrelationId, out var jobId, out var sliceIndex))
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
