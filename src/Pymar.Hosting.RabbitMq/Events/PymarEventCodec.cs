using System.Buffers;
using System.Text.Json;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.RabbitMq.Events;

/// <summary>
/// The wire form of <see cref="PymarEvent"/>: camel-case JSON, one event (a JSON object) or a batch of them (a JSON
/// array of such objects, as the event pump sends what gathered while it waited). Decoding never throws: anything
/// that is not an event of a known kind comes back as null with a reason, so garbage on the exchange is counted and
/// skipped.
/// </summary>
internal static class PymarEventCodec
{
    /// <summary>The largest message read (one event or a batch); anything larger is garbage. Batches are cut to fit.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Serializes an event.</summary>
    /// <param name="pymarEvent">The event.</param>
    public static byte[] Encode(PymarEvent pymarEvent) => JsonSerializer.SerializeToUtf8Bytes(pymarEvent, PymarEventJsonContext.Default.PymarEvent);

    /// <summary>Reads an event, or gives the reason it is not one.</summary>
    /// <param name="body">The message body.</param>
    /// <param name="reason">Why it is not an event, when the result is null.</param>
    public static PymarEvent? TryDecode(ReadOnlySpan<byte> body, out string? reason)
    {
        if (body.Length > MaxBytes)
        {
            reason = $"larger than {MaxBytes} bytes";
            return null;
        }

        try
        {
            var pymarEvent = JsonSerializer.Deserialize(body, PymarEventJsonContext.Default.PymarEvent);
            if (pymarEvent is null || !PymarEventKinds.IsKnown(pymarEvent.Kind))
            {
                reason = "not an event of a known kind";
                return null;
            }

            reason = null;
            return pymarEvent;
        }
        catch (JsonException)
        {
            reason = "not an event (invalid JSON or a missing kind)";
            return null;
        }
    }

    /// <summary>
    /// Reads a message of the events exchange: one event, or a batch (a JSON array of events). The events of a known
    /// kind come back in order; each element of a batch that is not one, or the whole message when it cannot be read,
    /// counts in <paramref name="malformed"/>, with the last <paramref name="reason"/>.
    /// </summary>
    /// <param name="body">The message body.</param>
    /// <param name="malformed">How many things in it were not events (0 when all were).</param>
    /// <param name="reason">Why the last of those was not an event; null when <paramref name="malformed"/> is 0.</param>
    public static IReadOnlyList<PymarEvent> DecodeMessage(ReadOnlySpan<byte> body, out int malformed, out string? reason)
    {
        var trimmed = body.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'[')
        {
            var single = TryDecode(body, out reason);
            malformed = single is null ? 1 : 0;
            return single is null ? [] : [single];
        }

        if (body.Length > MaxBytes)
        {
            (malformed, reason) = (1, $"larger than {MaxBytes} bytes");
            return [];
        }

        IReadOnlyList<PymarEvent?>? batch;
        try
        {
            batch = JsonSerializer.Deserialize(body, PymarEventJsonContext.Default.IReadOnlyListPymarEvent);
        }
        catch (JsonException)
        {
            (malformed, reason) = (1, "not a batch of events (invalid JSON or an event without a kind)");
            return [];
        }

        (malformed, reason) = (0, null);
        if (batch is null)
        {
            (malformed, reason) = (1, "not a batch of events");
            return [];
        }

        var events = new List<PymarEvent>(batch.Count);
        foreach (var pymarEvent in batch)
        {
            if (pymarEvent is not null && PymarEventKinds.IsKnown(pymarEvent.Kind))
            {
                events.Add(pymarEvent);
            }
            else
            {
                malformed++;
                reason = "not an event of a known kind (in a batch)";
            }
        }

        return events;
    }

    /// <summary>
    /// Writes <paramref name="events"/> from <paramref name="start"/> on into <paramref name="into"/> (cleared first)
    /// as one batch, a JSON array of at most <see cref="MaxBytes"/> (always at least one event, even a larger one);
    /// returns how many it took. <paramref name="scratch"/> and <paramref name="writer"/> are reused between calls.
    /// </summary>
    public static int EncodeBatch(IReadOnlyList<PymarEvent> events, int start, ArrayBufferWriter<byte> into, ArrayBufferWriter<byte> scratch, Utf8JsonWriter writer)
    {
        into.ResetWrittenCount();
        var count = 0;
        for (var i = start; i < events.Count; i++)
        {
            scratch.ResetWrittenCount();
            writer.Reset(scratch);
            JsonSerializer.Serialize(writer, events[i], PymarEventJsonContext.Default.PymarEvent);
            writer.Flush();

            // '[' or ',' before it, ']' after it.
            if (count > 0 && into.WrittenCount + scratch.WrittenCount + 2 > MaxBytes)
            {
                break;
            }

            Append(into, count == 0 ? (byte)'[' : (byte)',');
            into.Write(scratch.WrittenSpan);
            count++;
        }

        Append(into, (byte)']');
        return count;
    }

    private static void Append(ArrayBufferWriter<byte> into, byte value)
    {
        into.GetSpan(1)[0] = value;
        into.Advance(1);
    }
}
