using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// Reads a string member whose few values come again and again (the job id and worker id of a stream of replies): a
/// value equal to one of the last few read is returned as that same string instead of a new one. Written as any string.
/// </summary>
internal sealed class RecentStringConverter : JsonConverter<string>
{
    private const int Size = 8;
    private readonly string?[] _recent = new string?[Size];
    private int _next;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            // The latest first: a job's replies come together.
            var last = Volatile.Read(ref _next);
            for (var i = 0; i < Size; i++)
            {
                if (Volatile.Read(ref _recent[(last - i) & (Size - 1)]) is { } known && reader.ValueTextEquals(known))
                {
                    return known;
                }
            }
        }

        var value = reader.GetString();
        if (value is not null)
        {
            var slot = Interlocked.Increment(ref _next);
            Volatile.Write(ref _recent[slot & (Size - 1)], value);
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
