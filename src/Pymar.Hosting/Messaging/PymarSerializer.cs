using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pymar.Hosting.Messaging;

/// <summary>
/// How user items and values are written into messages: System.Text.Json with public fields included (so tuples
/// travel) and named floating-point literals allowed (so NaN and infinities travel). No polymorphic type handling.
/// </summary>
internal static class PymarSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
