using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Events;

/// <summary>
/// The wire form of <see cref="PymarEvent"/>: camel-case JSON. Decoding never throws: anything that is not an event of a
/// known kind comes back as null with a reason, so garbage on the exchange is counted and skipped.
/// </summary>
public static class PymarEventCodec
{
    /// <summary>The largest event read; anything larger is garbage.</summary>
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

    /// <summary>Serializes a list of events (as a timeline keeps them).</summary>
    /// <param name="events">The events.</param>
    public static string EncodeMany(IReadOnlyList<PymarEvent> events) => JsonSerializer.Serialize(events, PymarEventJsonContext.Default.IReadOnlyListPymarEvent);
}
