using System.Text.Json.Serialization;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.RabbitMq.Events;

/// <summary>Source-generated camel-case JSON of <see cref="PymarEvent"/>; unknown members are ignored (newer senders).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PymarEvent))]
[JsonSerializable(typeof(IReadOnlyList<PymarEvent>))]
internal sealed partial class PymarEventJsonContext : JsonSerializerContext
{
}
