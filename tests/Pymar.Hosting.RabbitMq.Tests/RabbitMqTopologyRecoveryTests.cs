using Pymar.Hosting.RabbitMq.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// When the client recovers a connection: an exclusive queue the broker still holds for the lost connection is declared
/// again once released, and what cannot be restored is logged.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RabbitMqTopologyRecoveryTests
{
    [Fact]
    public async Task AnExclusiveQueueStillHeldForTheLostConnectionIsDeclaredAgainOnceTheBrokerReleasesIt()
    {
        var queue = "pymar.t" + Guid.NewGuid().ToString("N") + ".reply";
        var factory = new ConnectionFactory { HostName = "127.0.0.1", UserName = "guest", Password = "guest" };

        // The lost connection's copy: still held by another connection when the recovered one declares it.
        var old = await factory.CreateConnectionAsync();
        var oldChannel = await old.CreateChannelAsync();
        await oldChannel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
        await using var recovered = await factory.CreateConnectionAsync();
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(async () =>
        {
            await using var probe = await recovered.CreateChannelAsync();
            await probe.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
        });
        Assert.Equal((ushort)405, refused.ShutdownReason?.ReplyCode);

        using var logs = new CapturedLogs();
        var handler = RabbitMqTopologyRecovery.Handler(logs.CreateLogger("test"));
        var recovering = handler.QueueRecoveryExceptionHandlerAsync!(new ExclusiveQueue(queue), refused, recovered);

        // The broker releases the old copy when its connection is gone: the handler's next attempt declares it.
        Assert.False(recovering.IsCompleted, "The handler should wait for the broker to release the queue.");
        await old.CloseAsync();
        await recovering.WaitAsync(TimeSpan.FromSeconds(30));

        await using var owner = await recovered.CreateChannelAsync();
        var declared = await owner.QueueDeclarePassiveAsync(queue);
        Assert.Equal(queue, declared.QueueName);
        Assert.Contains(logs.Lines, l => l.Contains($"Declared exclusive queue {queue} again after the broker released the copy of the lost connection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AQueueThatCannotBeRestoredIsLoggedAndTheRecoveryIsTriedAgain()
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", UserName = "guest", Password = "guest" };
        await using var connection = await factory.CreateConnectionAsync();
        using var logs = new CapturedLogs();
        var handler = RabbitMqTopologyRecovery.Handler(logs.CreateLogger("test"));
        var lost = new OperationInterruptedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 404, "NOT_FOUND - no queue"));

        // A channel-level refusal of a durable queue: not retried here, thrown on so the client recovers again.
        var error = await Assert.ThrowsAsync<TopologyRecoveryException>(() => handler.QueueRecoveryExceptionHandlerAsync!(new DurableQueue("pymar.t.work"), lost, connection));

        Assert.Same(lost, error.InnerException);
        Assert.Contains(logs.Lines, l => l.Contains("RabbitMQ.Client could not restore queue pymar.t.work: ", StringComparison.Ordinal) && l.Contains("NOT_FOUND", StringComparison.Ordinal));
    }

    private sealed record ExclusiveQueue(string Name) : IRecordedQueue
    {
        public bool Durable => false;

        public bool Exclusive => true;

        public bool AutoDelete => true;

        public IDictionary<string, object?>? Arguments => null;

        public bool IsServerNamed => false;
    }

    private sealed record DurableQueue(string Name) : IRecordedQueue
    {
        public bool Durable => true;

        public bool Exclusive => false;

        public bool AutoDelete => false;

        public IDictionary<string, object?>? Arguments => null;

        public bool IsServerNamed => false;
    }
}
