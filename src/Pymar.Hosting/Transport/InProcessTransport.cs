namespace Pymar.Hosting.Transport;

/// <summary>
/// The embedded default transport: slices and replies travel as serialized bytes through an
/// <see cref="InProcessBroker"/> in this process, with the same acknowledgement rules as a broker.
/// </summary>
internal sealed class InProcessTransport : IPymarTransport, IWorkerPresence, ISliceCancellation
{
    private readonly InProcessBroker _broker;

    /// <summary>Creates the transport over <paramref name="broker"/>.</summary>
    /// <param name="broker">The broker whose queues to use.</param>
    public InProcessTransport(InProcessBroker broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _broker = broker;
    }

    /// <inheritdoc />
    public string Description => "in-process";

    /// <inheritdoc />
    public long MaxMessageBytes => int.MaxValue;

    /// <inheritdoc />
    public string MessagingSystem => "pymar.inprocess";

    /// <inheritdoc />
    public bool IsConnected => true;

    /// <inheritdoc />
    public ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        var address = "pymar.reply." + Guid.NewGuid().ToString("N");
        _broker.AddInbox(address, onReply);
        return ValueTask.FromResult<IReplyInbox>(new Inbox(_broker, address));
    }

    /// <inheritdoc />
    public ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _broker.Enqueue(producerName, new InProcessMessage(body, properties.CorrelationId, properties.ReplyTo, DeliveryCount: 0, properties.PropagationHeaders));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ISliceConsumer> ConsumeSlicesAsync(
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        ArgumentNullException.ThrowIfNull(onSlice);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        return ValueTask.FromResult<ISliceConsumer>(new InProcessConsumer(_broker, producerNames, prefetch, onSlice));
    }

    /// <inheritdoc />
    public ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default) => _broker.PublishJobEndedAsync(jobId);

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IAsyncDisposable>((Subscription)_broker.SubscribeJobEnded(onJobEnded));

    /// <inheritdoc />
    ValueTask ISliceCancellation.PublishSliceCancelledAsync(string jobId, int sliceIndex, CancellationToken cancellationToken) =>
        _broker.PublishSliceCancelledAsync(jobId, sliceIndex);

    /// <inheritdoc />
    ValueTask<IAsyncDisposable> ISliceCancellation.SubscribeControlAsync(Func<string, ValueTask> onJobEnded, Func<string, int, ValueTask> onSliceCancelled, CancellationToken cancellationToken)
    {
        var ended = _broker.SubscribeJobEnded(onJobEnded);
        var cancelled = _broker.SubscribeSliceCancelled(onSliceCancelled);
        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(() =>
        {
            ended.Dispose();
            cancelled.Dispose();
        }));
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        return ValueTask.FromResult(producerNames.Sum(_broker.Purge));
    }

    /// <inheritdoc />
    ValueTask<IAsyncDisposable> IWorkerPresence.AnnounceAsync(WorkerAnnouncement announcement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        return ValueTask.FromResult<IAsyncDisposable>((Subscription)_broker.AddWorker(announcement));
    }

    /// <inheritdoc />
    ValueTask<LiveSlots> IWorkerPresence.GetLiveSlotsAsync(string producerName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_broker.LiveSlots(producerName));

    private sealed class Inbox(InProcessBroker broker, string address) : IReplyInbox
    {
        public string Address => address;

        public ValueTask DisposeAsync()
        {
            broker.RemoveInbox(address);
            return ValueTask.CompletedTask;
        }
    }
}
