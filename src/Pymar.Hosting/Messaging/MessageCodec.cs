using System.Globalization;
using System.Text.Json;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// Writes and reads slice requests and replies as UTF-8 JSON through the source-generated contract of
/// <see cref="PymarJsonContext"/>, and checks what it reads.
/// </summary>
internal static class MessageCodec
{
    /// <summary>Writes a request; its <see cref="SliceRequest.Items"/>, if any, are written straight into the message.</summary>
    public static byte[] WriteRequest(SliceRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, PymarJsonContext.Default.SliceRequest);

    /// <summary>Writes a reply carrying a partial value already serialized as JSON.</summary>
    public static byte[] WriteValueReply(string jobId, int sliceIndex, int attempt, string workerId, byte[] valueJson, double? computeMilliseconds = null) =>
        WriteReply(new SliceReply { JobId = jobId, SliceIndex = sliceIndex, Attempt = attempt, WorkerId = workerId, Value = JsonPayload.Raw(valueJson), ComputeMilliseconds = computeMilliseconds });

    /// <summary>Writes a reply carrying an error.</summary>
    public static byte[] WriteErrorReply(string jobId, int sliceIndex, RemoteError error) =>
        WriteReply(new SliceReply { JobId = jobId, SliceIndex = sliceIndex, Attempt = error.Attempt, WorkerId = error.WorkerId, Error = error });

    private static byte[] WriteReply(SliceReply reply)
    {
        reply.Version = SliceRequest.CurrentVersion;
        return JsonSerializer.SerializeToUtf8Bytes(reply, PymarJsonContext.Default.SliceReply);
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
