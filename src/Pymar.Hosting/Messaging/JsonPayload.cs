using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// User data inside one of our messages (a slice's items, a partial value): written straight into the message by
/// a callback when sending, read back (as its UTF-8 text when it is a number, true, false or null, else as a
/// <see cref="JsonElement"/>) to be deserialized as the producer's type.
/// </summary>
[JsonConverter(typeof(Converter))]
internal sealed class JsonPayload
{
    private readonly Action<Utf8JsonWriter>? _write;

    // A number, true, false or null as read from a message: its UTF-8 text, which is smaller to keep than a document.
    private readonly byte[]? _literal;
    private readonly JsonElement _element;

    private JsonPayload(Action<Utf8JsonWriter>? write, JsonElement element, byte[]? literal = null)
    {
        _write = write;
        _element = element;
        _literal = literal;
    }

    /// <summary>A payload that <paramref name="write"/> writes as one JSON value.</summary>
    public static JsonPayload Writing(Action<Utf8JsonWriter> write) => new(write, default);

    /// <summary>A payload of JSON already serialized.</summary>
    public static JsonPayload Raw(byte[] json) => new(writer => writer.WriteRawValue(json, skipInputValidation: true), default);

    /// <summary>Reads the payload as <typeparamref name="T"/> with the user-data serializer options.</summary>
    public T? Deserialize<T>() => _literal is { } literal
        ? JsonSerializer.Deserialize<T>(literal, PymarSerializer.Options)
        : _element.Deserialize<T>(PymarSerializer.Options);

    internal sealed class Converter : JsonConverter<JsonPayload>
    {
        // A JSON null is a payload too (a partial value that is null), so a member written as null is read as a
        // payload holding null, and only a member left out reads as no payload.
        public override bool HandleNull => true;

        public override JsonPayload Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null && !reader.HasValueSequence
                ? new(null, default, reader.ValueSpan.ToArray())
                : new(null, JsonElement.ParseValue(ref reader));

        public override void Write(Utf8JsonWriter writer, JsonPayload value, JsonSerializerOptions options)
        {
            if (value._write is { } write)
            {
                write(writer);
            }
            else if (value._literal is { } literal)
            {
                writer.WriteRawValue(literal, skipInputValidation: true);
            }
            else
            {
                value._element.WriteTo(writer);
            }
        }
    }
}
