using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// What every <see cref="RabbitMqSliceConsumer"/> is given: where it consumes (the connection, the topology, the
/// producers' queues), its budget (<see cref="Slots"/> plus <see cref="Lookahead"/>, or plus the <see cref="Adaptive"/>
/// lookahead), where a slice goes, and how it retries opening a channel again.
/// </summary>
internal sealed record SliceConsumerSetup(
    RabbitMqTransport Transport, IConnection Connection, RabbitMqTopology Topology, IReadOnlyCollection<string> ProducerNames,
    int Slots, int Lookahead, AdaptiveLookahead? Adaptive, Func<SliceDelivery, CancellationToken, ValueTask> OnSlice,
    ResiliencePipeline Reopen, ILogger Logger);
