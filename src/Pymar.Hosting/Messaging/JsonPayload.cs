using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// User data inside one of our messages (a slice's items, a partial value): written straight into the message by
/// a callback when sending, read back as a <see cref="JsonElement"/> to be deserialized as the producer's type.
/// </summary>
[JsonConverter(typeof(Converter))]
internal sealed class JsonPayload
{
    private readonly Action<Utf8JsonWriter>? _write;

    private JsonPayload(Action<Utf8JsonWriter>? write, JsonElement element)
    {
        _write = write;
        Element = element;
    }

    /// <summary>The payload as read from a message.</summary>
    public JsonElement Element { get; }

    /// <summary>A payload that <paramref name="write"/> writes as one JSON value.</summary>
    public static JsonPayload Writing(Action<Utf8JsonWriter> write) => new(write, default);

    /// <summary>A payload of JSON already serialized.</summary>
    public static JsonPayload Raw(byte[] json) => new(writer => writer.WriteRawValue(json, skipInputValidation: true), default);

    /// <summary>Reads the payload as <typeparamref name="T"/> with the user-data serializer options.</summary>
    public T? Deserialize<T>() => Element.Deserialize<T>(PymarSerializer.Options);

    internal sealed class Converter : JsonConverter<JsonPayload>
    {
        // A JSON null is a payload too (a partial value that is null), so a member written as null is read as a
        // payload holding null, and only a member left out reads as no payload.
        public override bool HandleNull => true;

        public override JsonPayload Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(null, JsonElement.ParseValue(ref reader));

        public override void Write(Utf8JsonWriter writer, JsonPayload value, JsonSerializerOptions options)
        {
            if (value._write is { } write)
            {
                write(writer);
            }
            else
            {
                value.Element.WriteTo(writer);
            }
        }
    }
}
