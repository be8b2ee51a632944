using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Worker presence over RabbitMQ, for <see cref="SliceCount.Auto"/>. Worker pools publish a small message on the
/// direct exchange <c>{prefix}presence</c> (key <c>announce</c>) when they start, every
/// <see cref="RabbitMqOptions.PresenceInterval"/>, on a roll call, and a goodbye when they stop. A producer binds its
/// own exclusive queue the first time it asks, calls the roll (key <c>probe</c>), and keeps a table in which a
/// worker silent for <see cref="MissedAnnouncements"/> intervals no longer counts. It does not use the events bus,
/// so it works with events off, and workers never hear each other's announcements.
/// </summary>
internal sealed class RabbitMqPresence : IAsyncDisposable
{
    /// <summary>How many intervals a worker may stay silent before producers stop counting it.</summary>
    public const int MissedAnnouncements = 3;

    /// <summary>The most slots one pool may announce: a worker's highest <c>Pymar:Worker:Concurrency</c>.</summary>
    public const int MaxSlots = 1024;

    /// <summary>The most pools a producer counts at once, so that forged pools cannot grow its table without end.</summary>
    public const int MaxWorkers = 4096;

    private const int MaxProducers = 1024;
    private const int MaxNameLength = 512;
    private const int MaxMessageBytes = 256 * 1024;
    private const string AnnounceKey = "announce";
    private const string ProbeKey = "probe";

    // The first question waits for the roll call's answers: at most this long, or until they stop for s_quiet.
    private static readonly TimeSpan s_rollCall = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(60);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(10);

    private readonly RabbitMqOptions _options;
    private readonly RabbitMqConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (WorkerAnnouncement Worker, DateTimeOffset ExpiresAt)> _workers = new(StringComparer.Ordinal);
    private readonly AsyncLazy<IChannel> _listening;
    private long _lastHeard;

    public RabbitMqPresence(RabbitMqOptions options, RabbitMqConnection connection, ILogger logger, TimeProvider time)
    {
        _options = options;
        _connection = connection;
        _logger = logger;
        _time = time;
        _listening = new AsyncLazy<IChannel>(ListenAsync);
    }

    /// <summary>The exchange presence messages travel on.</summary>
    public string Exchange => _options.QueuePrefix + "presence";

    /// <summary>The slots of the workers serving <paramref name="producerName"/> heard within their expiry.</summary>
    public async ValueTask<LiveSlots> GetLiveSlotsAsync(string producerName, CancellationToken cancellationToken)
    {
        try
        {
            await _listening.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            throw ConnectionLoss.Unavailable(ex, "listening for worker presence");
        }

        var now = _time.GetUtcNow();
        foreach (var (id, entry) in _workers)
        {
            if (entry.ExpiresAt <= now && _workers.TryRemove(new(id, entry)))
            {
                PresenceLog.WorkerLeft(_logger, id, "silent for " + MissedAnnouncements + " intervals");
            }
        }

        return LiveSlots.Serving(_workers.Values.Select(e => e.Worker), producerName);
    }

    /// <summary>Announces a worker pool now, every interval and on each roll call, until the result is disposed.</summary>
    public async ValueTask<IAsyncDisposable> AnnounceAsync(WorkerAnnouncement announcement, CancellationToken cancellationToken)
    {
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        IChannel? channel = null;
        try
        {
            channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
            var queue = _options.QueuePrefix + "presence." + Guid.NewGuid().ToString("N");
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, Exchange, ProbeKey, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            var announcer = new Announcer(this, channel, announcement);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) => announcer.PublishAsync(leaving: false).AsTask();
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            PresenceLog.Announcing(_logger, announcement.WorkerId, announcement.Slots, string.Join(", ", announcement.Producers), Exchange, _options.PresenceInterval);
            announcer.Start();
            return announcer;
        }
        catch (Exception ex) when (ConnectionLoss.Is(ex))
        {
            if (channel is not null)
            {
                await channel.CloseQuietlyAsync().ConfigureAwait(false);
            }

            throw ConnectionLoss.Unavailable(ex, "announcing the worker pool");
        }
    }

    /// <summary>Closes the producer's listening channel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_listening.ValueOrDefault is { } channel)
        {
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
        }
    }

    private ValueTask DeclareExchangeAsync(IChannel channel, CancellationToken cancellationToken) =>
        new(channel.ExchangeDeclareAsync(Exchange, ExchangeType.Direct, durable: true, autoDelete: false, arguments: null, cancellationToken: cancellationToken));

    /// <summary>Binds this producer's queue to announcements, calls the roll, and waits briefly for the answers.</summary>
    private async Task<IChannel> ListenAsync()
    {
        var connection = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        try
        {
            await DeclareExchangeAsync(channel, CancellationToken.None).ConfigureAwait(false);
            var queue = _options.QueuePrefix + "presence." + Guid.NewGuid().ToString("N");
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, arguments: null).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, Exchange, AnnounceKey, arguments: null).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                Heard(delivery.Body.Span);
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer).ConfigureAwait(false);

            var asked = Stopwatch.GetTimestamp();
            await channel.BasicPublishAsync(Exchange, ProbeKey, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            while (Stopwatch.GetElapsedTime(asked) < s_rollCall
                && !(Volatile.Read(ref _lastHeard) is var heard and > 0 && heard > asked && Stopwatch.GetElapsedTime(heard) >= s_quiet))
            {
                await Task.Delay(s_poll, _time).ConfigureAwait(false);
            }

            return channel;
        }
        catch
        {
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Heard(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxMessageBytes)
        {
            PresenceLog.Ignored(_logger, $"it holds {body.Length} bytes, more than {MaxMessageBytes}");
            return;
        }

        PresenceMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body, PresenceJsonContext.Default.PresenceMessage);
        }
        catch (JsonException ex)
        {
            PresenceLog.Ignored(_logger, ex.Message);
            return;
        }

        if (Problem(message) is { } problem)
        {
            PresenceLog.Ignored(_logger, problem);
            return;
        }

        var id = message!.Worker;
        if (message.Leaving)
        {
            if (_workers.TryRemove(id, out _))
            {
                PresenceLog.WorkerLeft(_logger, id, "it said goodbye");
            }
        }
        else
        {
            var expires = _time.GetUtcNow() + (TimeSpan.FromMilliseconds(message.IntervalMs) * MissedAnnouncements);
            var worker = new WorkerAnnouncement(id, message.Producers, message.Slots);
            if (!_workers.TryGetValue(id, out var known))
            {
                if (_workers.Count >= MaxWorkers)
                {
                    PresenceLog.Ignored(_logger, $"worker '{id}' would be more than {MaxWorkers} live workers");
                    return;
                }

                PresenceLog.WorkerJoined(_logger, id, worker.Slots, string.Join(", ", worker.Producers));
            }
            else if (known.Worker.Slots != worker.Slots || !known.Worker.Producers.SequenceEqual(worker.Producers))
            {
                PresenceLog.WorkerJoined(_logger, id, worker.Slots, string.Join(", ", worker.Producers));
            }

            _workers[id] = (worker, expires);
        }

        Volatile.Write(ref _lastHeard, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// What makes a presence message unfit to count, or null. Anyone allowed to publish on the exchange can send one,
    /// so every field is bounded by what a real worker pool can say: a forged pool never holds more slots than a
    /// pool may have, and a forged interval never keeps it counted for longer than a real interval could.
    /// </summary>
    private static string? Problem(PresenceMessage? message)
    {
        if (message is null)
        {
            return "it is empty";
        }

        if (NameProblem(message.Worker) is { } worker)
        {
            return "the worker id " + worker;
        }

        if (message.Producers is null || message.Producers.Length is 0 or > MaxProducers)
        {
            return $"worker '{message.Worker}' names {message.Producers?.Length ?? 0} producers, not 1 to {MaxProducers}";
        }

        foreach (var producer in message.Producers)
        {
            if (NameProblem(producer) is { } name)
            {
                return $"worker '{message.Worker}' names a producer that {name}";
            }
        }

        if (message.Slots is < 1 or > MaxSlots)
        {
            return $"worker '{message.Worker}' announces {message.Slots} slots, not 1 to {MaxSlots}";
        }

        if (message.IntervalMs < (long)RabbitMqOptionsValidator.MinPresenceInterval.TotalMilliseconds
            || message.IntervalMs > (long)RabbitMqOptionsValidator.MaxPresenceInterval.TotalMilliseconds)
        {
            return $"worker '{message.Worker}' announces an interval of {message.IntervalMs} ms, not {RabbitMqOptionsValidator.MinPresenceInterval.TotalMilliseconds} to {RabbitMqOptionsValidator.MaxPresenceInterval.TotalMilliseconds}";
        }

        return null;
    }

    private static string? NameProblem(string? name) =>
        name switch
        {
            null or "" => "is missing",
            { Length: > MaxNameLength } => $"is longer than {MaxNameLength} characters",
            _ when name.Any(char.IsControl) => "holds a control character",
            _ => null,
        };

    /// <summary>One worker pool's announcements: a periodic loop, roll-call answers, and a goodbye when disposed.</summary>
    private sealed class Announcer(RabbitMqPresence presence, IChannel channel, WorkerAnnouncement announcement) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _publishing = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public void Start() => _loop = LoopAsync();

        public async ValueTask PublishAsync(bool leaving)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(
                new PresenceMessage(announcement.WorkerId, [.. announcement.Producers], announcement.Slots, (long)presence._options.PresenceInterval.TotalMilliseconds, leaving),
                PresenceJsonContext.Default.PresenceMessage);
            await _publishing.WaitAsync().ConfigureAwait(false);
            try
            {
                await channel.BasicPublishAsync(presence.Exchange, AnnounceKey, body).ConfigureAwait(false);
            }
            catch (Exception ex) when (ConnectionLoss.Is(ex))
            {
                // The connection recovers by itself; the next interval announces again.
                PresenceLog.AnnounceFailed(presence._logger, announcement.WorkerId, ex.Message);
            }
            finally
            {
                _publishing.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            await PublishAsync(leaving: true).ConfigureAwait(false);
            await channel.CloseQuietlyAsync().ConfigureAwait(false);
        }

        private async Task LoopAsync()
        {
            using var timer = new PeriodicTimer(presence._options.PresenceInterval, presence._time);
            try
            {
                do
                {
                    await PublishAsync(leaving: false).ConfigureAwait(false);
                }
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }
}
