using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Carries slices through RabbitMQ: slice messages (transient with pipelined confirms by default, or persistent; see
/// <see cref="RabbitMqOptions.DeliveryMode"/>) on one durable queue per producer; workers consume with manual
/// acknowledgement and a prefetch of their concurrency plus <see cref="RabbitMqOptions.PrefetchLookahead"/>; replies
/// go to an exclusive reply queue per <see cref="ProducerClient"/>, correlated by job id and slice index.
/// Register it with <c>UseRabbitMq()</c> on the <c>AddPymar</c> builder.
/// </summary>
public sealed class RabbitMqTransport : IPymarTransport, IWorkerPresence, ISliceCancellation, IAsyncDisposable, IDisposable
{
    /// <summary>The name that <c>Pymar:Transport</c> uses to choose this transport.</summary>
    public const string Name = "RabbitMq";

    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqTopology _topology;
    private readonly AsyncLazy<ConfirmingChannel> _publishChannel;
    private readonly ResiliencePipeline _publishRetry;
    private readonly ResiliencePipeline _reopenRetry;
    private readonly bool _transient;
    private readonly RabbitMqPresence _presence;
    private readonly SharedPublishGuard _publishGuard;
    private readonly ConfirmWatch _confirmWatch;
    private int _disposed;

    internal RabbitMqTransport(RabbitMqOptions options, ILogger<RabbitMqTransport> logger, TimeProvider time, IServiceProvider? services = null)
    {
        _options = options;
        _logger = logger;
        Time = time;
        _transient = string.Equals(options.DeliveryMode, "Transient", StringComparison.OrdinalIgnoreCase);
        _connection = RabbitMqConnection.Create(options, services, logger);
        _topology = new RabbitMqTopology(options, logger);
        ReplyAddresses = new RabbitMqReplyAddresses(_topology, options, _connection.GetAsync);
        _publishRetry = RabbitMqRetries.Publish(logger, time);
        _reopenRetry = RabbitMqRetries.Reopen(logger, time);
        _presence = new RabbitMqPresence(options, _connection, logger, time);
        _publishGuard = new SharedPublishGuard(() => _connection.WhileOpen);
        _confirmWatch = new ConfirmWatch(options.ConfirmTimeout, time, () => !_connection.IsOpen || _connection.IsBlocked, OnConfirmsStalled);
        // Each job's own publish window bounds the publishes waiting for a confirm.
        _publishChannel = new AsyncLazy<ConfirmingChannel>(async () =>
            await ConfirmingChannel.OpenAsync(await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false));
    }

    /// <summary>The transport's clock.</summary>
    internal TimeProvider Time { get; }

    /// <summary>Where workers may send replies.</summary>
    internal RabbitMqReplyAddresses ReplyAddresses { get; }

    /// <summary>The process's connection to the broker (a test finds it among the broker's connections).</summary>
    internal RabbitMqConnection Connection => _connection;

    /// <inheritdoc />
    public string Description => $"RabbitMQ at {_connection.Address.Display}";

    /// <inheritdoc />
    public string MessagingSystem => "rabbitmq";

    /// <inheritdoc />
    public string QueueName(string producerName) => _topology.WorkQueue(producerName);

    /// <inheritdoc />
    public long MaxMessageBytes => _options.MaxMessageBytes;

    /// <inheritdoc />
    public bool IsConnected => _connection.IsOpen;

    /// <inheritdoc />
    public async ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        ArgumentNullException.ThrowIfNull(onRecovered);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return await RabbitMqReplyInbox.OpenAsync(connection, _topology.NewReplyQueue(), onReply, onRecovered, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
    {
        ConfirmingChannel channel;
        string queue;
        try
        {
            channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
            queue = await _topology.DeclareWorkQueueAsync(channel.Channel, producerName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            // The connection (or the channel) is down: the caller waits for it to recover and publishes again.
            throw ConnectionLoss.Unavailable(ex, $"publishing a slice of producer '{producerName}'");
        }

        for (int round = 1, renewedByOthers = 0; ;)
        {
            try
            {
                await PublishConfirmedAsync(channel, queue, RabbitMqMessages.Slice(properties, persistent: !_transient), body, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PymarException ex) when (ex.InnerException is PublishException { IsReturn: true })
            {
                // The work queue is gone (deleted by hand or by a policy): declare it again and publish once more.
                RabbitMqLog.WorkQueueRecreated(_logger, queue);
                _topology.Forget(queue);
                queue = await _topology.DeclareWorkQueueAsync(channel.Channel, producerName, cancellationToken).ConfigureAwait(false);
                await PublishConfirmedAsync(channel, queue, RabbitMqMessages.Slice(properties, persistent: !_transient), body, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PymarException ex) when (ex.InnerException is PublishException && round < RabbitMqRetries.PublishChannels)
            {
                // Nacked on every attempt: after its quorum queue's leader died, a channel can go on refusing publishes
                // to it well after a new leader took over. A new channel publishes to the new leader.
                RabbitMqLog.PublishChannelRenewed(_logger, queue, RabbitMqRetries.PublishAttempts);
                round++;
                channel = await RenewPublishChannelAsync(channel, cancellationToken).ConfigureAwait(false);
                queue = await _topology.DeclareWorkQueueAsync(channel.Channel, producerName, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (renewedByOthers < RabbitMqRetries.PublishChannels * RabbitMqRetries.PublishAttempts)
            {
                // Another publish renewed the channel meanwhile: this one goes on the new channel, and it does not spend
                // one of its own rounds (each slice gets its rounds of nacks before it fails with the documented error).
                renewedByOthers++;
                channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
                queue = await _topology.DeclareWorkQueueAsync(channel.Channel, producerName, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes <paramref name="channel"/> (if it is still the publishing one) and returns a new publishing channel.</summary>
    private async ValueTask<ConfirmingChannel> RenewPublishChannelAsync(ConfirmingChannel channel, CancellationToken cancellationToken)
    {
        if (_publishChannel.Reset(channel))
        {
            _topology.ForgetAll();
            await channel.Channel.CloseQuietlyAsync().ConfigureAwait(false);
        }

        return await _publishChannel.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ISliceConsumer> ConsumeSlicesAsync(
        IReadOnlyCollection<string> producerNames,
        int prefetch,
        Func<SliceDelivery, CancellationToken, ValueTask> onSlice,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        ArgumentNullException.ThrowIfNull(onSlice);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        // The pool's free slots plus a small lookahead, more when slices are short (see RabbitMqOptions.LookaheadWork).
        try
        {
            var adaptive = _options.LookaheadWork > TimeSpan.Zero && _options.MaxPrefetchLookahead > _options.PrefetchLookahead
                ? new AdaptiveLookahead(prefetch, _options.PrefetchLookahead, _options.MaxPrefetchLookahead, _options.LookaheadWork, Stopwatch.GetTimestamp())
                : null;
            return await RabbitMqSliceConsumer.StartAsync(this, connection, _topology, producerNames, prefetch, _options.PrefetchLookahead, adaptive, sharedAcrossQueues: _options.QueueType == "classic", onSlice, _reopenRetry, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            throw ConnectionLoss.Unavailable(ex, "starting to consume slices");
        }
    }

    /// <summary>Publishes a reply on the transport's own channel (for a slice whose delivery channel has closed).</summary>
    internal async ValueTask PublishReplyAsync(string replyTo, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        await PublishGuardedAsync(channel, string.Empty, replyTo, RabbitMqMessages.Reply(), body, "publishing a reply", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes a message that is not a slice (no retry of its own) under <see cref="GuardPublish"/>: a connection
    /// seen closed while it waits fails it as <see cref="TransportUnavailableException"/>, saying what it was doing.
    /// </summary>
    private async ValueTask PublishGuardedAsync(ConfirmingChannel channel, string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string doing, CancellationToken cancellationToken)
    {
        using var guard = GuardPublish(cancellationToken);
        try
        {
            await channel.PublishAsync(exchange, routingKey, mandatory: false, properties, body, guard.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ConnectionLoss.Unavailable(ex, doing);
        }
    }

    /// <summary>
    /// The caller's token joined with <see cref="RabbitMqConnection.WhileOpen"/>: a publish that waits on a connection
    /// seen closed is cut off (and then fails as a lost connection) instead of holding its channel's shutdown.
    /// </summary>
    internal CancellationTokenSource GuardPublish(CancellationToken cancellationToken) =>
        CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _connection.WhileOpen);

    /// <inheritdoc />
    public async ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(jobId);
        try
        {
            await PublishJobEndedOnceAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyClosedException ex) when (ex.ShutdownReason is { ReplyCode: 404, Initiator: ShutdownInitiator.Peer })
        {
            // The control exchange was deleted: the broker closed the channel; a new one declares it again.
            await PublishJobEndedOnceAsync(body, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask PublishJobEndedOnceAsync(byte[] body, CancellationToken cancellationToken)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var exchange = await _topology.DeclareControlExchangeAsync(channel.Channel, cancellationToken).ConfigureAwait(false);
        await PublishGuardedAsync(channel, exchange, string.Empty, RabbitMqMessages.JobEnded(), body, "telling workers that a job ended", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
        SubscribeControlAsync(onJobEnded, static (_, _) => ValueTask.CompletedTask, cancellationToken);

    /// <inheritdoc />
    async ValueTask ISliceCancellation.PublishSliceCancelledAsync(string jobId, int sliceIndex, CancellationToken cancellationToken)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var exchange = await _topology.DeclareControlExchangeAsync(channel.Channel, cancellationToken).ConfigureAwait(false);
        var body = System.Text.Encoding.UTF8.GetBytes(Messaging.Correlation.Create(jobId, sliceIndex));
        await PublishGuardedAsync(channel, exchange, string.Empty, RabbitMqMessages.SliceCancelled(), body, "telling workers that a slice was answered", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    ValueTask<IAsyncDisposable> ISliceCancellation.SubscribeControlAsync(Func<string, ValueTask> onJobEnded, Func<string, int, ValueTask> onSliceCancelled, CancellationToken cancellationToken) =>
        SubscribeControlAsync(onJobEnded, onSliceCancelled, cancellationToken);

    /// <summary>One exclusive queue on the control exchange: ended jobs and cancelled slices, told apart by message type.</summary>
    private async ValueTask<IAsyncDisposable> SubscribeControlAsync(Func<string, ValueTask> onJobEnded, Func<string, int, ValueTask> onSliceCancelled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onJobEnded);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        IChannel? channel = null;
        try
        {
            channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var exchange = await _topology.DeclareControlExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
            var queue = _topology.NewControlQueue();
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, exchange, string.Empty, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var text = System.Text.Encoding.UTF8.GetString(delivery.Body.Span);
                if (delivery.BasicProperties.Type == RabbitMqMessages.SliceCancelledType)
                {
                    if (Messaging.Correlation.TryParse(text, out var jobId, out var sliceIndex))
                    {
                        await onSliceCancelled(jobId, sliceIndex).ConfigureAwait(false);
                    }
                }
                else
                {
                    await onJobEnded(text).ConfigureAwait(false);
                }
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            return new ChannelLease(channel);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            if (channel is not null)
            {
                await channel.CloseQuietlyAsync().ConfigureAwait(false);
            }

            throw ConnectionLoss.Unavailable(ex, "subscribing to ended jobs");
        }
    }

    /// <inheritdoc />
    ValueTask<IAsyncDisposable> IWorkerPresence.AnnounceAsync(WorkerAnnouncement announcement, CancellationToken cancellationToken) =>
        _presence.AnnounceAsync(announcement, cancellationToken);

    /// <inheritdoc />
    ValueTask<LiveSlots> IWorkerPresence.GetLiveSlotsAsync(string producerName, CancellationToken cancellationToken) =>
        _presence.GetLiveSlotsAsync(producerName, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producerNames);
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                long purged = 0;
                foreach (var producerName in producerNames)
                {
                    var queue = await _topology.DeclareWorkQueueAsync(channel, producerName, cancellationToken).ConfigureAwait(false);
                    purged += await channel.QueuePurgeAsync(queue, cancellationToken).ConfigureAwait(false);
                }

                await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
                return purged;
            }
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            throw ConnectionLoss.Unavailable(ex, "purging the work queues");
        }
    }

    /// <summary>Closes the publishing channel and the connection; waits for the broker at most a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_publishChannel.ValueOrDefault is { } channel)
        {
            await channel.Channel.CloseQuietlyAsync().ConfigureAwait(false);
        }

        await _presence.DisposeAsync().ConfigureAwait(false);
        await ReplyAddresses.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _publishGuard.Dispose();
        _confirmWatch.Dispose();
    }

    /// <summary>
    /// Starts closing the connection and returns without waiting for the broker, so a synchronous dispose never
    /// blocks a thread on the network. The host disposes asynchronously, through <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose() =>
        _ = DisposeAsync().AsTask().ContinueWith(
            static (task, logger) => RabbitMqLog.DisposeFailed((ILogger)logger!, task.Exception!.GetBaseException().Message),
            _logger,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);

    /// <summary>Publishes a rejected slice to the dead-letter queue with the reason in a header.</summary>
    internal async ValueTask PublishDeadLetterAsync(string queue, ReadOnlyMemory<byte> body, string reason, string? correlationId, CancellationToken cancellationToken)
    {
        var channel = await PublishChannelAsync(cancellationToken).ConfigureAwait(false);
        var properties = RabbitMqMessages.DeadLetter(queue, reason, correlationId);
        try
        {
            await PublishConfirmedAsync(channel, _topology.DeadLetterQueue, properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch (PymarException ex) when (ex.InnerException is PublishException { IsReturn: true })
        {
            // Unroutable: someone deleted the dead-letter queue. Declared on a channel of its own, so that a queue
            // declared meanwhile with other arguments closes that channel and not the publishing one.
            RabbitMqLog.DeadLetterQueueMissing(_logger, _topology.DeadLetterQueue);
            var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
            var declaring = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                await _topology.DeclareDeadLetterQueueAsync(declaring, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await declaring.CloseQuietlyAsync().ConfigureAwait(false);
            }

            await PublishConfirmedAsync(channel, _topology.DeadLetterQueue, properties, body, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The publishing channel, replaced when the broker closed it for a publish that broke a rule (an exchange that is
    /// gone, a message above its size limit): such a channel never comes back by itself. The closed one is disposed,
    /// so that the connection's recovery does not revive it, and every declaration is made again, since the broker
    /// may have closed it because one of them was deleted. While the connection is down its channels wait for it.
    /// </summary>
    private async ValueTask<ConfirmingChannel> PublishChannelAsync(CancellationToken cancellationToken)
    {
        var publishing = await _publishChannel.GetAsync(cancellationToken).ConfigureAwait(false);
        var channel = publishing.Channel;
        if (channel.IsOpen || !_connection.IsOpen)
        {
            return publishing;
        }

        await RetirePublishChannelAsync(publishing).ConfigureAwait(false);
        return await _publishChannel.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lets the next publish open a new channel in place of <paramref name="publishing"/>, which the broker closed,
    /// unless another caller replaced it already.
    /// </summary>
    private async ValueTask RetirePublishChannelAsync(ConfirmingChannel publishing)
    {
        if (_publishChannel.Reset(publishing))
        {
            var channel = publishing.Channel;
            RabbitMqLog.PublishChannelReplaced(_logger, channel.CloseReason?.ReplyCode ?? 0, channel.CloseReason?.ReplyText ?? "closed");
            _topology.ForgetAll();
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes waited <see cref="RabbitMqOptions.ConfirmTimeout"/> without a confirm: closing the publishing channel
    /// fails them as on a lost connection (their callers publish them again, on a new channel).
    /// </summary>
    private void OnConfirmsStalled(int waiting)
    {
        if (Volatile.Read(ref _disposed) != 0 || _publishChannel.ValueOrDefault is not { Channel.IsOpen: true } channel || !_publishChannel.Reset(channel))
        {
            return;
        }

        RabbitMqLog.ConfirmsStalled(_logger, waiting, _options.ConfirmTimeout);
        _topology.ForgetAll();
        _ = CloseStalledChannelAsync(channel.Channel);
    }

    private async Task CloseStalledChannelAsync(IChannel channel)
    {
        try
        {
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RabbitMqLog.StalledChannelCloseFailed(_logger, ex.Message);
        }
    }

    /// <summary>The broker's reason when it closed the channel for a message above its <c>max_message_size</c>, or null.</summary>
    private static string? TooLarge(Exception exception, IChannel channel)
    {
        var reason = exception switch
        {
            AlreadyClosedException closed => closed.ShutdownReason,
            OperationInterruptedException interrupted => interrupted.ShutdownReason,
            _ => null,
        } ?? channel.CloseReason;
        return reason is { ReplyCode: 406 } && reason.ReplyText.Contains("max size", StringComparison.Ordinal) ? reason.ReplyText : null;
    }

    /// <summary>Closes a channel when disposed.</summary>
    private sealed class ChannelLease(IChannel channel) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => channel.CloseQuietlyAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishConfirmedAsync(ConfirmingChannel channel, string queue, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var guard = _publishGuard.Enter(cancellationToken);
        _confirmWatch.Enter();
        try
        {
            try
            {
                await channel.PublishAsync(string.Empty, queue, mandatory: true, properties, body, guard.Token).ConfigureAwait(false);
            }
            catch (PublishException nacked) when (!nacked.IsReturn)
            {
                // Only a nack goes through the retry pipeline: a publish confirmed at once costs no pipeline.
                await RetryNackedAsync(nacked, channel, queue, properties, body, guard.Token).ConfigureAwait(false);
            }
        }
        catch (PublishException ex)
        {
            throw new PymarException($"RabbitMQ did not confirm a message to queue '{queue}' ({(ex.IsReturn ? "returned as unroutable" : $"nacked {RabbitMqRetries.PublishAttempts} times on each of {RabbitMqRetries.PublishChannels} channels")}); it is not counted as sent.", ex);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex) && TooLarge(ex, channel.Channel) is { } reason)
        {
            // Not a lost connection: the same message would be refused again. The channel is replaced here, since the
            // client may fail the publish before it shows the channel closed, and the caller's next job would meet it.
            await RetirePublishChannelAsync(channel).ConfigureAwait(false);
            var what = Messaging.Correlation.TryParse(properties.CorrelationId, out var jobId, out var sliceIndex) ? $"slice {sliceIndex} of job {jobId}" : "a message";
            throw new PymarException(
                $"RabbitMQ refused {what} to queue '{queue}': its {body.Length} bytes are over the broker's max_message_size ({reason}). " +
                $"Set {RabbitMqOptions.SectionName}:MaxMessageBytes (now {_options.MaxMessageBytes}) at or below the broker's limit, so that larger slices are refused before publishing, and use more slices.", ex);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new TransportUnavailableException($"The connection to RabbitMQ closed while publishing to queue '{queue}': {ex.Message}", ex);
        }
        finally
        {
            _confirmWatch.Leave();
        }
    }

    /// <summary>
    /// Publishes a nacked message again per the retry pipeline. The nack it got counts as the pipeline's first attempt,
    /// so the waits, the attempt numbers in the log and the number of attempts are those of a publish made through
    /// the pipeline from the start.
    /// </summary>
    private async ValueTask RetryNackedAsync(PublishException nacked, ConfirmingChannel channel, string queue, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RabbitMqRetries.Queue, queue);
        try
        {
            await _publishRetry.ExecuteAsync(
                static (ctx, state) => Interlocked.Exchange(ref state.First.Value, null) is { } first
                    ? ValueTask.FromException(first)
                    : state.channel.PublishAsync(string.Empty, state.queue, mandatory: true, state.properties, state.body, ctx.CancellationToken),
                context,
                (First: new StrongBox<Exception?>(nacked), channel, queue, properties, body)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
