using System.Reflection;

namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>Where the programs and scripts the tests run are: paths compiled in by the project file (EmbedChildProgramPaths).</summary>
internal static class ChildPrograms
{
    /// <summary>tests/Pymar.Hosting.TestWorker's dll: <c>worker</c> and <c>produce</c> (slow-sum) modes.</summary>
    public static string TestWorker => ExistingFile("PymarTestWorkerProgram");

    /// <summary>src/Pymar.Examples's dll, the program a user runs (<c>worker</c>, or an example with <c>--producer-only</c>).</summary>
    public static string Examples => ExistingFile("PymarExamplesProgram");

    /// <summary>deploy/cluster/NAME.</summary>
    public static string ClusterScript(string name) => Path.Combine(RepositoryRoot, "deploy", "cluster", name);

    /// <summary>The repository the tests were built from.</summary>
    public static string RepositoryRoot => Metadata("PymarRepositoryRoot");

    /// <summary>The dotnet host that runs this test process, so children run on the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    private static string ExistingFile(string key)
    {
        var path = Metadata(key);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{key} '{path}' does not exist; build the test project first (dotnet build tests/Pymar.Hosting.Cluster.Tests).");
    }

    private static string Metadata(string key) =>
        typeof(ChildPrograms).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The test assembly carries no {key} path; it is set by the EmbedChildProgramPaths target of its project file.");

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
