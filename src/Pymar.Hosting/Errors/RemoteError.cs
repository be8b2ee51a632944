using System.Text.Json.Serialization;

namespace Pymar.Hosting;

/// <summary>An error that happened on a worker while it handled a slice, as the worker reported it.</summary>
public sealed class RemoteError
{
    /// <summary>The full name of the exception type thrown on the worker (information only; never loaded).</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    /// <summary>The exception's message.</summary>
    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    /// <summary>The exception's stack trace on the worker, when there was one.</summary>
    [JsonPropertyName("stackTrace")]
    public string? StackTrace { get; init; }

    /// <summary>The worker that reported the error.</summary>
    [JsonPropertyName("worker")]
    public string WorkerId { get; init; } = "";

    /// <summary>Which attempt at the slice failed (1 for the first).</summary>
    [JsonPropertyName("attempt")]
    public int Attempt { get; init; } = 1;

    /// <inheritdoc />
    public override string ToString() => $"{Type}: {Message} (on worker {WorkerId})";
}
