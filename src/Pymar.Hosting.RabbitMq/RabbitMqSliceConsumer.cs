using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>A channel consuming work queues with a prefetch count; closing it returns unacknowledged slices.</summary>
internal sealed class RabbitMqSliceConsumer(IChannel channel, IReadOnlyList<string> consumerTags) : ISliceConsumer
{
    private int _paused;

    public async ValueTask PauseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _paused, 1) != 0)
        {
            return;
        }

        foreach (var tag in consumerTags)
        {
            try
            {
                await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                // The channel is gone, and with it the consumer.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Already closed: the broker has returned its unacknowledged slices.
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }
}
