namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Where the RabbitMQ broker is and how queues are named, bound from the <c>Pymar:Broker</c> configuration section
/// (environment variables: <c>Pymar__Broker__Host</c>, <c>Pymar__Broker__Hosts__0</c>, <c>Pymar__Broker__Password</c> …).
/// Where the broker is comes from the first of these that is set: <see cref="UseConnectionFromServices"/> (a connection
/// the app already opened), <see cref="ConnectionName"/> (the URI in <c>ConnectionStrings:{name}</c>, as .NET Aspire
/// gives it), <see cref="Uri"/>, and last the separate settings, where <see cref="Hosts"/> wins over <see cref="Host"/>.
/// </summary>
public sealed class RabbitMqOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pymar:Broker";

    /// <summary>
    /// The broker as a URI: <c>amqp://user:pass@host:5672/vhost</c>, or <c>amqps://</c> for TLS. A cluster's nodes
    /// are listed between the <c>@</c> and the path, separated by commas, each with an optional port:
    /// <c>amqp://user:pass@node1:5672,node2,node3:5673/vhost</c>.
    /// </summary>
    public string? Uri { get; set; }

    /// <summary>
    /// The name of a connection string, <c>ConnectionStrings:{name}</c> in the app's configuration, that holds the
    /// broker as an <c>amqp://</c> or <c>amqps://</c> URI in the form <see cref="Uri"/> takes (the form .NET Aspire
    /// injects for <c>WithReference(rabbitmq)</c>). When set, that connection string wins over <see cref="Uri"/> and
    /// the separate settings, and the host stops at start when it is missing or not a URI.
    /// </summary>
    public string? ConnectionName { get; set; }

    /// <summary>
    /// Use the <c>RabbitMQ.Client.IConnection</c> registered in the app's services (as <c>AddRabbitMQClient</c> of
    /// <c>Aspire.RabbitMQ.Client</c> registers it) instead of opening a connection of Pymar's own; it wins over every
    /// other way of naming the broker, so <see cref="Uri"/> and <see cref="ConnectionName"/> must not be set with it.
    /// Pymar opens its channels on that connection and never closes it: its owner does (the service container, at the
    /// end of the app). The connection's own settings apply, not <see cref="Heartbeat"/>, <see cref="ConnectionTimeout"/>,
    /// the TLS settings or the credentials here; it must recover by itself (automatic recovery, the client's default),
    /// and accept messages of <see cref="MaxMessageBytes"/> (the client's default limit is 64 MiB). Defaults to false.
    /// </summary>
    public bool UseConnectionFromServices { get; set; }

    /// <summary>The text of <c>ConnectionStrings:{<see cref="ConnectionName"/>}</c>, read from the app's configuration at start.</summary>
    internal string? ConnectionString { get; set; }

    /// <summary>The broker's host name, when <see cref="Hosts"/> is empty. Defaults to 127.0.0.1.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>
    /// The nodes of a cluster, each <c>host</c> or <c>host:port</c> (<c>[::1]:5672</c> for an IPv6 address); when
    /// given, <see cref="Host"/> is not used. The connection tries them in a random order, goes to any node that
    /// answers, and recovers to another one when its node dies.
    /// </summary>
    public IList<string> Hosts { get; } = [];

    /// <summary>The broker's port, and the port of each <see cref="Hosts"/> entry without one; null means 5672, or 5671 with TLS.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// The AMQP heartbeat: RabbitMQ.Client counts a connection silent for about four times this long as dead, on the
    /// worker and the producer alike (the broker, about twice), so a node cut off from the network is noticed in about
    /// 20 seconds and the connection recovers to another node. Defaults to 5 seconds, the low end of what RabbitMQ
    /// advises; a broker configured lower wins.
    /// </summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a worker pool tells producers its slots (for <c>SliceCount.Auto</c>); a producer stops counting a
    /// worker silent for three intervals, and at once when it says goodbye on stop. Defaults to 5 seconds.
    /// </summary>
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The virtual host. Defaults to <c>/</c>.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>The user name. Defaults to <c>guest</c>, which RabbitMQ accepts on loopback only.</summary>
    public string UserName { get; set; } = "guest";

    /// <summary>The password. It never appears in a log line or an exception message.</summary>
    public string Password { get; set; } = "guest";

    /// <summary>Connect with TLS (implied by an <c>amqps://</c> URI).</summary>
    public bool UseTls { get; set; }

    /// <summary>The name the server certificate must carry; defaults to the host name.</summary>
    public string? TlsServerName { get; set; }

    /// <summary>
    /// A PEM or DER file of the certificate authority that signed the broker's certificate, when it is not one the
    /// machine already trusts (a private CA). The server certificate is still checked: its chain must end at this
    /// CA and its name must match.
    /// </summary>
    public string? TlsCaCertificatePath { get; set; }

    /// <summary>
    /// How long publishes may wait for RabbitMQ's confirms while none arrives before the publishing channel is closed
    /// and a new one opened: its waiting publishes then fail as on a lost connection and are published again (a slice
    /// counts once however often it arrives). Covers a node that goes on taking messages it cannot confirm, as one cut
    /// off from a queue's leader can, while the connection stays open. A connection RabbitMQ blocked (a memory or disk
    /// alarm) waits for it to be unblocked instead. Defaults to 30 seconds; at least 1 second.
    /// </summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting may take before the broker counts as unreachable. Defaults to 10 seconds.</summary>
    public TimeSpan ConnectionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The prefix of every queue name: work queues are <c>{prefix}{producer}</c>, reply queues
    /// <c>{prefix}reply.{id}</c>, the dead-letter queue <c>{prefix}dead-letter</c>. Defaults to <c>pymar.</c>.
    /// </summary>
    public string QueuePrefix { get; set; } = "pymar.";

    /// <summary>
    /// How many times a slice is delivered before it is dead-lettered (a slice that kills every worker that takes
    /// it). Work queues are quorum queues with this <c>x-delivery-limit</c>. Defaults to 10.
    /// </summary>
    public int DeliveryLimit { get; set; } = 10;

    /// <summary>
    /// The type of the work queues: <c>quorum</c> (the default: replicated, and they count deliveries, which
    /// poison-slice detection needs) or <c>classic</c> (faster on a single node; a redelivered slice then counts as
    /// delivered twice, however often it was). Changing it for an existing queue needs the queue deleted first.
    /// </summary>
    public string QueueType { get; set; } = "quorum";

    /// <summary>
    /// How slices travel: <c>Durable</c> (the default: persistent slice messages, each publish awaits its
    /// publisher confirm) or <c>Transient</c> (non-persistent slice messages; confirms are still requested but
    /// pipelined, with a window of outstanding confirms). In both modes the producer is the ledger: it publishes
    /// again every unanswered slice after a lost connection, a returned or nacked publish, or a stall, so a
    /// transient slice lost with a broker restart is asked for again. Transient pays off on classic queues; a
    /// quorum queue stores every message anyway. A job whose producer dies is lost in every mode.
    /// </summary>
    public string DeliveryMode { get; set; } = "Transient";

    /// <summary>
    /// How many slices a worker holds at least beyond its free slots, so that a slot does not wait a round trip to
    /// the broker for its next slice after each answer; with short slices it holds more (see
    /// <see cref="LookaheadWork"/>). The bound (concurrency + lookahead) holds for the worker as a whole, however many
    /// producers it serves: on classic queues as a channel-wide prefetch; on quorum queues (which refuse one) as
    /// credits, consumers' prefetches handed out across the recently active work queues (a job on a queue without a
    /// credit is picked up within about 100 ms). A slice held by a worker that stalls is asked for again by its
    /// producer (see <c>MapOptions.SpeculateStragglers</c>). Defaults to 2; 0 to 100.
    /// </summary>
    public int PrefetchLookahead { get; set; } = 2;

    /// <summary>
    /// How much work a worker may hold beyond its slots: when its slots finish slices faster than the broker can hand
    /// them over one by one (short slices, on quorum queues above all), the lookahead grows to the slices they finish
    /// in this time, up to <see cref="MaxPrefetchLookahead"/>; long slices keep it at <see cref="PrefetchLookahead"/>,
    /// so they are not hoarded. The rate is measured while every slot is busy, every 250 ms. Defaults to 5 ms;
    /// <see cref="TimeSpan.Zero"/> keeps the lookahead fixed; at most 1 s.
    /// </summary>
    public TimeSpan LookaheadWork { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The largest lookahead <see cref="LookaheadWork"/> may reach. Defaults to 32; from <see cref="PrefetchLookahead"/> to 1,000.</summary>
    public int MaxPrefetchLookahead { get; set; } = 32;

    /// <summary>
    /// The largest slice message published or accepted, and the largest reply a worker sends, in bytes. Defaults to
    /// 16 MiB, RabbitMQ 4's default <c>max_message_size</c>; keep it at or below the broker's.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;
}
