using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>A worker's answer for one slice: its partial value, or the error that stopped it.</summary>
internal sealed class SliceReply
{
    [JsonPropertyName("v")]
    public int Version { get; set; }

    [JsonPropertyName("job")]
    [JsonConverter(typeof(RecentStringConverter))]
    public string JobId { get; set; } = "";

    [JsonPropertyName("slice")]
    public int SliceIndex { get; set; }

    [JsonPropertyName("attempt")]
    public int Attempt { get; set; } = 1;

    [JsonPropertyName("worker")]
    [JsonConverter(typeof(RecentStringConverter))]
    public string WorkerId { get; set; } = "";

    /// <summary>
    /// How long the worker computed the slice, in milliseconds (absent from older workers): the producer's straggler
    /// rule compares slices by it, since the time from publish to answer also counts the wait in the queue.
    /// </summary>
    [JsonPropertyName("ms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ComputeMilliseconds { get; set; }

    /// <summary>The partial value; a payload holding JSON null when the value is null, and null only when the reply carries none.</summary>
    [JsonPropertyName("value")]
    public JsonPayload? Value { get; set; }

    [JsonPropertyName("error")]
    public RemoteError? Error { get; set; }
}
