using Pymar.Hosting.RabbitMq.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>The publishing channel's own confirm tracking, against the broker: what each publish learns, and when.</summary>
[Collection(BrokerCollection.Name)]
public sealed class ConfirmingChannelTests : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private IConnection? _connection;

    private IConnection Connection => _connection ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _connection = await TestBroker.ConnectAsync("pymar confirming channel tests");

    public async Task DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.CloseAsync();
            connection.Dispose();
        }
    }

    [Fact]
    public async Task ManyPublishesAtOnceAreEachConfirmedAndEachArrives()
    {
        var publishing = await ConfirmingChannel.OpenAsync(Connection, CancellationToken.None);
        var queue = await DeclareQueueAsync(publishing.Channel);

        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => Task.Run(() => PublishAsync(publishing, queue, i).AsTask()))).WaitAsync(s_deadline);

        Assert.Equal(0, publishing.Waiting);
        Assert.Equal(2000u, await publishing.Channel.MessageCountAsync(queue));
    }

    [Fact]
    public async Task AnUnroutablePublishIsReturnedWhileThoseAroundItAreConfirmed()
    {
        var publishing = await ConfirmingChannel.OpenAsync(Connection, CancellationToken.None);
        var queue = await DeclareQueueAsync(publishing.Channel);
        var missing = "pymar.t-missing-" + Guid.NewGuid().ToString("N");

        var routed = Enumerable.Range(0, 300).Select(i => Task.Run(() => PublishAsync(publishing, queue, i).AsTask())).ToList();
        var unroutable = Task.Run(() => PublishAsync(publishing, missing, 1000).AsTask());
        await Task.WhenAll(routed).WaitAsync(s_deadline);

        var returned = await Assert.ThrowsAsync<PublishReturnException>(() => unroutable.WaitAsync(s_deadline));
        Assert.True(returned.IsReturn);
        Assert.Equal(missing, returned.RoutingKey);
        Assert.Equal(300u, await publishing.Channel.MessageCountAsync(queue));
        Assert.Equal(0, publishing.Waiting);
    }

    [Fact]
    public async Task APublishTheQueueRefusesIsNackedAndTheNextOneGoesOn()
    {
        var publishing = await ConfirmingChannel.OpenAsync(Connection, CancellationToken.None);
        var queue = await DeclareQueueAsync(publishing.Channel, new Dictionary<string, object?> { ["x-max-length"] = 1, ["x-overflow"] = "reject-publish" });

        await PublishAsync(publishing, queue, 1).AsTask().WaitAsync(s_deadline);
        var nacked = await Assert.ThrowsAsync<PublishException>(() => PublishAsync(publishing, queue, 2).AsTask().WaitAsync(s_deadline));
        Assert.False(nacked.IsReturn);

        await publishing.Channel.QueuePurgeAsync(queue);
        await PublishAsync(publishing, queue, 3).AsTask().WaitAsync(s_deadline);
        Assert.Equal(1u, await publishing.Channel.MessageCountAsync(queue));
    }

    [Fact]
    public async Task APublishWhoseChannelTheBrokerClosesFailsAsClosedInsteadOfWaiting()
    {
        var publishing = await ConfirmingChannel.OpenAsync(Connection, CancellationToken.None);
        var exchange = "pymar.t-no-exchange-" + Guid.NewGuid().ToString("N");

        var error = await Record.ExceptionAsync(() =>
            publishing.PublishAsync(exchange, "anything", mandatory: true, new BasicProperties(), new byte[] { 1 }, CancellationToken.None).AsTask().WaitAsync(s_deadline));

        var closed = Assert.IsType<AlreadyClosedException>(error);
        Assert.Equal((ushort)404, closed.ShutdownReason?.ReplyCode ?? 0);
        Assert.Equal(0, publishing.Waiting);
    }

    [Fact]
    public async Task APublishWithACancelledTokenIsNotSentAndTheChannelGoesOn()
    {
        var publishing = await ConfirmingChannel.OpenAsync(Connection, CancellationToken.None);
        var queue = await DeclareQueueAsync(publishing.Channel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            publishing.PublishAsync(string.Empty, queue, mandatory: true, new BasicProperties(), new byte[] { 1 }, new CancellationToken(canceled: true)).AsTask());
        await PublishAsync(publishing, queue, 2).AsTask().WaitAsync(s_deadline);

        Assert.Equal(1u, await publishing.Channel.MessageCountAsync(queue));
        Assert.Equal(0, publishing.Waiting);
    }

    private static ValueTask PublishAsync(ConfirmingChannel publishing, string queue, int i) =>
        publishing.PublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { CorrelationId = "job:" + i }, BitConverter.GetBytes(i), CancellationToken.None);

    private static async Task<string> DeclareQueueAsync(IChannel channel, IDictionary<string, object?>? arguments = null) =>
        (await channel.QueueDeclareAsync("pymar.t-confirms-" + Guid.NewGuid().ToString("N"), durable: false, exclusive: true, autoDelete: true, arguments)).QueueName;
}
