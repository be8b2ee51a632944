using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Queue names and declarations. Each producer has one durable quorum work queue, declared by whichever side
/// starts first, with a delivery limit and a dead-letter queue; reply queues are exclusive to their client.
/// </summary>
internal sealed class RabbitMqTopology(RabbitMqOptions options, ILogger logger)
{
    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task>> _declaring = new(StringComparer.Ordinal);

    // Producer name -> work queue name, so that a publish does not build the name again.
    private readonly ConcurrentDictionary<string, string> _workQueues = new(StringComparer.Ordinal);

    public string DeadLetterQueue => options.QueuePrefix + "dead-letter";

    public string WorkQueue(string producerName) =>
        _workQueues.GetOrAdd(producerName, static (name, prefix) => prefix + name, options.QueuePrefix);

    public string ControlExchange => options.QueuePrefix + "control";

    public string NewControlQueue() => options.QueuePrefix + "control." + Guid.NewGuid().ToString("N");

    /// <summary>Declares the fanout exchange that tells workers about ended jobs.</summary>
    public async ValueTask<string> DeclareControlExchangeAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (!_declared.ContainsKey(ControlExchange))
        {
            await channel.ExchangeDeclareAsync(ControlExchange, ExchangeType.Fanout, durable: true, autoDelete: false, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            _declared[ControlExchange] = true;
        }

        return ControlExchange;
    }

    public string NewReplyQueue() => NewReplyQueuePrefix + Guid.NewGuid().ToString("N");

    /// <summary>How every reply queue's name begins.</summary>
    public string NewReplyQueuePrefix => options.QueuePrefix + "reply.";

    /// <summary>Declares the work queue of <paramref name="producerName"/> (and the dead-letter queue) once per process.</summary>
    public ValueTask<string> DeclareWorkQueueAsync(IChannel channel, string producerName, CancellationToken cancellationToken)
    {
        var queue = WorkQueue(producerName);
        return _declared.ContainsKey(queue) ? ValueTask.FromResult(queue) : DeclareWorkQueueOnceAsync(channel, queue, cancellationToken);
    }

    private async ValueTask<string> DeclareWorkQueueOnceAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        // Pipelined publishes of a first job all ask at once: one declaration serves them all.
        var declaring = _declaring.GetOrAdd(queue, _ => new Lazy<Task>(() => DeclareAsync(channel, queue, cancellationToken)));
        try
        {
            await declaring.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _declaring.TryRemove(new KeyValuePair<string, Lazy<Task>>(queue, declaring));
            throw;
        }

        return queue;
    }

    /// <summary>Forgets that <paramref name="queue"/> was declared, so the next use declares it again (it was deleted).</summary>
    public void Forget(string queue)
    {
        _declared.TryRemove(queue, out _);
        _declaring.TryRemove(queue, out _);
    }

    /// <summary>Declares the dead-letter queue (again, when it was deleted).</summary>
    public async ValueTask DeclareDeadLetterQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        _declared[DeadLetterQueue] = true;
    }

    /// <summary>Forgets every declaration, so that each is made again on next use (the broker may have lost any).</summary>
    public void ForgetAll()
    {
        _declared.Clear();
        _declaring.Clear();
    }

    private async Task DeclareAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        if (!_declared.ContainsKey(DeadLetterQueue))
        {
            await DeclareDeadLetterQueueAsync(channel, cancellationToken).ConfigureAwait(false);
        }

        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = options.QueueType,
            ["x-dead-letter-exchange"] = "",
            ["x-dead-letter-routing-key"] = DeadLetterQueue,
        };
        if (options.QueueType == "quorum")
        {
            arguments["x-delivery-limit"] = options.DeliveryLimit;
        }

        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        _declared[queue] = true;
        RabbitMqLog.Declared(logger, queue);
    }

}
