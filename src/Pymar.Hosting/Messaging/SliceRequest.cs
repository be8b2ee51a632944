using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// The message that asks a worker to compute one slice. It names the producer and the data source by their
/// registered names only; no CLR type name ever travels.
/// </summary>
internal sealed class SliceRequest
{
    /// <summary>The wire protocol version this build writes and reads.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; set; }

    [JsonPropertyName("job")]
    public string JobId { get; set; } = "";

    [JsonPropertyName("slice")]
    public int SliceIndex { get; set; }

    /// <summary>1 for the first request of a slice, 2 for its first retry, and so on.</summary>
    [JsonPropertyName("attempt")]
    public int Attempt { get; set; } = 1;

    [JsonPropertyName("producer")]
    public string Producer { get; set; } = "";

    [JsonPropertyName("source")]
    public string? DataSource { get; set; }

    [JsonPropertyName("offset")]
    public long Offset { get; set; }

    [JsonPropertyName("limit")]
    public long Limit { get; set; }

    /// <summary>The slice's own items when the job maps data held in the producer's memory.</summary>
    [JsonPropertyName("items")]
    public JsonPayload? Items { get; set; }

    [JsonPropertyName("replyTo")]
    public string ReplyTo { get; set; } = "";

    /// <summary>When the job stops wanting this slice (Unix milliseconds); absent when the job has no timeout.</summary>
    [JsonPropertyName("expires")]
    public long? ExpiresAtUnixMilliseconds { get; set; }

    [JsonIgnore]
    public SliceWindow Window => new(Offset, Limit);

    [JsonIgnore]
    public string CorrelationId => Correlation.Create(JobId, SliceIndex);
}
