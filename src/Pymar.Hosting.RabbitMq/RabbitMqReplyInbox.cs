using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>An exclusive, auto-deleted reply queue consumed by one <see cref="ProducerClient"/>.</summary>
internal sealed class RabbitMqReplyInbox(IChannel channel, string queue) : IReplyInbox
{
    public string Address => queue;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The connection is gone; the broker deletes an exclusive queue with it.
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }
}
