using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Handles one slice delivery on a worker: reads the request, runs the producer, replies with the partial value or
/// the error, and only then acknowledges.
/// </summary>
internal sealed class SliceExecutor(
    IPymarTransport transport,
    PymarRegistry registry,
    IServiceProvider services,
    ComputeThreads compute,
    string workerId,
    ILogger logger,
    TimeProvider time)
{
    private long _completed;

    public long Completed => Interlocked.Read(ref _completed);

    public async Task HandleAsync(SliceDelivery delivery, CancellationToken abort)
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
            WorkerLog.SliceExpired(logger, request.SliceIndex, request.JobId, request.Producer);
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (!registry.TryGetProducer(request.Producer, out var registration))
        {
            WorkerLog.UnknownProducer(logger, request.SliceIndex, request.JobId, request.Producer);
            var unknown = new PymarConfigurationException($"Producer '{request.Producer}' is not registered on worker {workerId}.");
            await ReplyAsync(request, MessageCodec.WriteErrorReply(request.JobId, request.SliceIndex, ToRemoteError(unknown))).ConfigureAwait(false);
            await delivery.RejectAsync(requeue: false, unknown.Message, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        WorkerLog.SliceStarted(logger, request.SliceIndex, request.Window, request.JobId, request.Producer, delivery.Redelivered ? " (redelivered)" : "");
        var started = Stopwatch.GetTimestamp();
        byte[] reply;
        try
        {
            var sliceScope = services.CreateAsyncScope();
            await using (sliceScope.ConfigureAwait(false))
            {
                var producer = registration.Resolve(sliceScope.ServiceProvider);
                var execution = new SliceExecution(request, sliceScope.ServiceProvider, registry, PymarSerializer.Options, compute);
                var value = await producer.ExecuteSliceAsync(execution, abort).ConfigureAwait(false);
                reply = MessageCodec.WriteValueReply(request.JobId, request.SliceIndex, workerId, value);
            }

            WorkerLog.SliceDone(logger, request.SliceIndex, request.JobId, request.Producer, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            WorkerLog.SliceReturned(logger, request.SliceIndex, request.JobId, request.Producer);
            await delivery.RejectAsync(requeue: true, "worker stopping", CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            WorkerLog.SliceFailed(logger, ex, request.SliceIndex, request.Window, request.JobId, request.Producer);
            reply = MessageCodec.WriteErrorReply(request.JobId, request.SliceIndex, ToRemoteError(ex));
        }

        await ReplyAsync(request, reply).ConfigureAwait(false);
        await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _completed);
    }

    private ValueTask ReplyAsync(SliceRequest request, byte[] reply) =>
        transport.PublishReplyAsync(request.ReplyTo, reply, request.CorrelationId, CancellationToken.None);

    /// <summary>Answers a message that could not be read, when its transport properties say where and for which slice.</summary>
    private async ValueTask ReplyToUnreadableAsync(SliceDelivery delivery, MalformedMessageException error)
    {
        if (string.IsNullOrEmpty(delivery.ReplyTo) || delivery.CorrelationId is not { } correlation)
        {
            return;
        }

        var separator = correlation.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(correlation.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sliceIndex))
        {
            return;
        }

        var reply = MessageCodec.WriteErrorReply(correlation[..separator], sliceIndex, ToRemoteError(error));
        await transport.PublishReplyAsync(delivery.ReplyTo, reply, correlation, CancellationToken.None).ConfigureAwait(false);
    }

    private RemoteError ToRemoteError(Exception exception) => new()
    {
        Type = exception.GetType().FullName ?? exception.GetType().Name,
        Message = exception.Message,
        StackTrace = exception.StackTrace,
        WorkerId = workerId,
    };
}
