using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// What every <see cref="RabbitMqSliceConsumer"/> is given: where it consumes (the connection, the topology, the
/// producers' queues), its budget (<see cref="Prefetch"/>, or the <see cref="Adaptive"/> lookahead's), where a slice
/// goes, and how it retries opening a channel again.
/// </summary>
internal sealed record SliceConsumerSetup(
    RabbitMqTransport Transport, IConnection Connection, RabbitMqTopology Topology, IReadOnlyCollection<string> ProducerNames,
    ushort Prefetch, AdaptiveLookahead? Adaptive, Func<SliceDelivery, CancellationToken, ValueTask> OnSlice,
    ResiliencePipeline Reopen, ILogger Logger);
