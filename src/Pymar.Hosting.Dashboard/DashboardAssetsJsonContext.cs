using System.Text.Json.Serialization;

namespace Pymar.Hosting.Dashboard;

/// <summary>Source-generated JSON of a string, to write the base path into the page as a script literal.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class DashboardAssetsJsonContext : JsonSerializerContext
{
}
