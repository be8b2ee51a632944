using System.Text.Json.Serialization;

namespace Pymar.Hosting.Dashboard.State;

/// <summary>Source-generated camel-case JSON of what the page and the timeline read.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(Timeline.TimelineData))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext
{
}
