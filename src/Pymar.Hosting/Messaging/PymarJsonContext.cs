using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// Source-generated serialization of Pymar's own message contracts. It has no polymorphic type handling, and an
/// unknown member (such as <c>$type</c>) makes a message malformed.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SliceRequest))]
[JsonSerializable(typeof(SliceReply))]
internal sealed partial class PymarJsonContext : JsonSerializerContext
{
}
