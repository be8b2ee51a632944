using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// An exclusive, auto-deleted reply queue consumed by one <see cref="ProducerClient"/>. The broker deletes it with a
/// lost connection; the client's topology recovery declares it again under the same name, and then the owner is
/// told that replies may have been lost.
/// </summary>
internal sealed class RabbitMqReplyInbox : IReplyInbox
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;
    private readonly Func<ValueTask> _onRecovered;

    public RabbitMqReplyInbox(IConnection connection, IChannel channel, string queue, Func<ValueTask> onRecovered)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
        _onRecovered = onRecovered;
        _connection.RecoverySucceededAsync += OnRecoveredAsync;
    }

    public string Address => _queue;

    public async ValueTask DisposeAsync()
    {
        _connection.RecoverySucceededAsync -= OnRecoveredAsync;
        try
        {
            await _channel.QueueDeleteAsync(_queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            // The broker deletes an exclusive queue with its connection.
        }

        await _channel.CloseQuietlyAsync().ConfigureAwait(false);
    }

    private async Task OnRecoveredAsync(object sender, AsyncEventArgs args) => await _onRecovered().ConfigureAwait(false);
}
