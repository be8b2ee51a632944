using System.Reflection;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>Where the repository is (compiled in by the project file), and its artifacts folder for screenshots.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PymarRepositoryRoot").Value!;

    public static string Artifacts(string name)
    {
        var folder = Path.Combine(Root, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
