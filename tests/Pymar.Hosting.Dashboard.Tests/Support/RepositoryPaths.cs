using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>Where the repository is, and its artifacts folder for screenshots.</summary>
internal static class RepositoryPaths
{
    public static string Root => ChildPrograms.RepositoryRoot;

    public static string Artifacts(string name)
    {
        var folder = Path.Combine(Root, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
