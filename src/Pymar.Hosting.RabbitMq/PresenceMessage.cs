using System.Text.Json.Serialization;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A worker pool's presence on the wire: who it is, which producers it serves with how many slots, how often it
/// says so (a producer forgets it after <see cref="RabbitMqPresence.MissedAnnouncements"/> silent intervals), and
/// whether it is leaving.
/// </summary>
internal sealed record PresenceMessage(
    [property: JsonPropertyName("worker")] string Worker,
    [property: JsonPropertyName("producers")] string[] Producers,
    [property: JsonPropertyName("slots")] int Slots,
    [property: JsonPropertyName("intervalMs")] long IntervalMs,
    [property: JsonPropertyName("leaving")] bool Leaving);

/// <summary>The source-generated serializer of <see cref="PresenceMessage"/>.</summary>
[JsonSerializable(typeof(PresenceMessage))]
internal sealed partial class PresenceJsonContext : JsonSerializerContext;
