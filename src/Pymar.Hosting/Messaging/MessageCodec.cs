using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Pymar.Hosting.Messaging;

/// <summary>Writes and reads slice requests and replies as UTF-8 JSON.</summary>
internal static class MessageCodec
{
    public static string CorrelationId(string jobId, int sliceIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{jobId}:{sliceIndex}");

    /// <summary>Writes a request; <paramref name="writeItems"/> writes the slice's own items, if any.</summary>
    public static byte[] WriteRequest(SliceRequest request, Action<Utf8JsonWriter>? writeItems)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", request.Version);
            writer.WriteString("job", request.JobId);
            writer.WriteNumber("slice", request.SliceIndex);
            writer.WriteNumber("attempt", request.Attempt);
            writer.WriteString("producer", request.Producer);
            if (request.DataSource is not null)
            {
                writer.WriteString("source", request.DataSource);
            }

            writer.WriteNumber("offset", request.Offset);
            writer.WriteNumber("limit", request.Limit);
            writer.WriteString("replyTo", request.ReplyTo);
            if (request.ExpiresAtUnixMilliseconds is { } expires)
            {
                writer.WriteNumber("expires", expires);
            }

            if (request.TraceParent is not null)
            {
                writer.WriteString("trace", request.TraceParent);
            }

            if (writeItems is not null)
            {
                writer.WritePropertyName("items");
                writeItems(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a reply carrying a partial value already serialized as JSON.</summary>
    public static byte[] WriteValueReply(string jobId, int sliceIndex, int attempt, string workerId, ReadOnlySpan<byte> valueJson)
    {
        var buffer = new ArrayBufferWriter<byte>(valueJson.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteReplyHeader(writer, jobId, sliceIndex, attempt, workerId);
            writer.WritePropertyName("value");
            writer.WriteRawValue(valueJson, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a reply carrying an error.</summary>
    public static byte[] WriteErrorReply(string jobId, int sliceIndex, RemoteError error)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteReplyHeader(writer, jobId, sliceIndex, error.Attempt, error.WorkerId);
            writer.WriteStartObject("error");
            writer.WriteString("type", error.Type);
            writer.WriteString("message", error.Message);
            if (error.StackTrace is not null)
            {
                writer.WriteString("stackTrace", error.StackTrace);
            }

            writer.WriteString("worker", error.WorkerId);
            writer.WriteNumber("attempt", error.Attempt);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteReplyHeader(Utf8JsonWriter writer, string jobId, int sliceIndex, int attempt, string workerId)
    {
        writer.WriteStartObject();
        writer.WriteNumber("v", SliceRequest.CurrentVersion);
        writer.WriteString("job", jobId);
        writer.WriteNumber("slice", sliceIndex);
        writer.WriteNumber("attempt", attempt);
        writer.WriteString("worker", workerId);
    }

    /// <summary>Reads a request, or throws <see cref="MalformedMessageException"/> saying what is wrong with it.</summary>
    public static SliceRequest ReadRequest(ReadOnlySpan<byte> body)
    {
        SliceRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, PymarJsonContext.Default.SliceRequest);
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The slice message is not valid: {ex.Message}", ex);
        }

        if (request is null)
        {
            throw new MalformedMessageException("The slice message is empty (JSON null).");
        }

        if (request.Version != SliceRequest.CurrentVersion)
        {
            throw new MalformedMessageException(string.Create(CultureInfo.InvariantCulture,
                $"The slice message has protocol version {request.Version}; this worker reads version {SliceRequest.CurrentVersion}."));
        }

        if (string.IsNullOrEmpty(request.JobId) || string.IsNullOrEmpty(request.Producer) || string.IsNullOrEmpty(request.ReplyTo))
        {
            throw new MalformedMessageException("The slice message lacks its job id, producer name or reply address.");
        }

        if (request.Attempt < 1)
        {
            throw new MalformedMessageException(string.Create(CultureInfo.InvariantCulture, $"The slice message has an invalid attempt number {request.Attempt}."));
        }

        if (request.Offset < 0 || request.Limit < 1 || request.Offset > long.MaxValue - request.Limit || request.SliceIndex < 0)
        {
            throw new MalformedMessageException(string.Create(CultureInfo.InvariantCulture,
                $"The slice message has an invalid window (offset {request.Offset}, limit {request.Limit}, slice {request.SliceIndex})."));
        }

        if (request.DataSource is null == request.Items is null)
        {
            throw new MalformedMessageException("The slice message must carry either a data source name or its items, not both or neither.");
        }

        return request;
    }

    /// <summary>Reads a reply, or throws <see cref="MalformedMessageException"/>.</summary>
    public static SliceReply ReadReply(ReadOnlySpan<byte> body)
    {
        SliceReply? reply;
        try
        {
            reply = JsonSerializer.Deserialize(body, PymarJsonContext.Default.SliceReply);
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The slice reply is not valid: {ex.Message}", ex);
        }

        if (reply is null || string.IsNullOrEmpty(reply.JobId) || reply.Value is null == reply.Error is null)
        {
            throw new MalformedMessageException("The slice reply must carry a job id and either a value or an error.");
        }

        return reply;
    }
}
