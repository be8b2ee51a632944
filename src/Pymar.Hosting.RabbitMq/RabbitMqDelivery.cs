using Microsoft.Extensions.Logging;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A slice delivered by RabbitMQ, settled on the channel it came from; <c>onSettled</c> runs once, after the first
/// settle was sent (or failed), so the consumer counts it as no longer held. With <c>deferredAcks</c> an acknowledgement
/// is held for a moment and sent with others (<see cref="DeferredAcks"/>).
/// </summary>
internal sealed class RabbitMqDelivery(
    RabbitMqTransport transport,
    IChannel channel,
    ulong deliveryTag,
    string queue,
    ReadOnlyMemory<byte> body,
    bool redelivered,
    int deliveryCount,
    string? replyTo,
    string? correlationId,
    ILogger logger,
    Action? onSettled = null,
    IReadOnlyDictionary<string, string>? propagationHeaders = null,
    DeferredAcks? deferredAcks = null) : SliceDelivery, IReplyAddressCheck
{
    private int _settled;

    public override ReadOnlyMemory<byte> Body => body;

    public override bool Redelivered => redelivered;

    public override int DeliveryCount => deliveryCount;

    public override string? ReplyTo => replyTo;

    public override string? CorrelationId => correlationId;

    public override string Queue => queue;

    public override IReadOnlyDictionary<string, string>? PropagationHeaders => propagationHeaders;

    public ValueTask<string?> RefuseReplyToAsync(string replyTo, CancellationToken cancellationToken) =>
        transport.ReplyAddresses.RefuseAsync(replyTo, cancellationToken);

    public override async ValueTask ReplyAsync(string replyTo, ReadOnlyMemory<byte> body, string correlationId, CancellationToken cancellationToken = default)
    {
        // On the delivery's own channel: the broker handles the reply before the acknowledgement that follows it.
        if (channel.IsOpen)
        {
            using var guard = transport.GuardPublish(cancellationToken);
            try
            {
                await channel.BasicPublishAsync(string.Empty, replyTo, mandatory: false, RabbitMqMessages.Reply(), body, guard.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ConnectionLoss.Is(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
            }
        }

        // The broker closed the channel while the slice ran (its consumer_timeout, or a lost connection): the slice is
        // back in its queue, but its answer is still worth sending. The producer folds it once and ends the job, and
        // workers drop the redelivered copy.
        RabbitMqLog.ReplyOnOtherChannel(logger, queue, channel.CloseReason?.ReplyText ?? "closed");
        await transport.PublishReplyAsync(replyTo, body, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask AckAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        if (deferredAcks is not null)
        {
            // Held for a moment, so that it does not reach the broker together with the reply just published.
            await deferredAcks.AckAsync(deliveryTag, queue, onSettled).ConfigureAwait(false);
            return;
        }

        try
        {
            await channel.BasicAckAsync(deliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            RabbitMqLog.SettleFailed(logger, queue, ex.Message);
        }
        finally
        {
            onSettled?.Invoke();
        }
    }

    public override async ValueTask RejectAsync(bool requeue, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        try
        {
            if (requeue)
            {
                await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Dead-letter it ourselves so the reason travels in a header, then drop the original.
            try
            {
                await transport.PublishDeadLetterAsync(queue, body, reason ?? "rejected", correlationId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PymarException or TransportUnavailableException || ConnectionLoss.Is(ex))
            {
                // The delivery must be settled whatever became of the copy: an unsettled one holds the channel's
                // prefetch while the worker counts its slot free. The queue's own dead-letter route takes it.
                RabbitMqLog.DeadLetterFailed(logger, queue, ex.Message);
                await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: false, cancellationToken).ConfigureAwait(false);
                return;
            }

            await channel.BasicAckAsync(deliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            RabbitMqLog.SettleFailed(logger, queue, ex.Message);
        }
        finally
        {
            onSettled?.Invoke();
        }
    }
}
