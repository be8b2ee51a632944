using System.Reflection;

namespace Pymar.Worker.Tests.Support;

/// <summary>Where the programs and assemblies the tests use are: paths compiled in by the project file (EmbedWorkerTestPaths).</summary>
internal static class Programs
{
    /// <summary>src/Pymar.Worker's dll: <c>pymar-worker</c>.</summary>
    public static string Worker => ExistingFile("PymarWorkerProgram");

    /// <summary>src/Pymar.Examples's dll in its own output directory: the examples' producers and data sources.</summary>
    public static string Examples => ExistingFile("PymarExamplesAssembly");

    /// <summary>tests/Pymar.Worker.Tests.Jobs's dll in its own output directory: a job assembly with a startup hook.</summary>
    public static string Jobs => ExistingFile("PymarJobsAssembly");

    /// <summary>The dotnet host that runs this test process, so children run on the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    private static string ExistingFile(string key)
    {
        var path = typeof(Programs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path))
        {
            throw new InvalidOperationException($"The test assembly carries no {key} path; it is set by the EmbedWorkerTestPaths target of its project file.");
        }

        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{key} '{path}' does not exist; build the solution first (dotnet build Pymar.Hosting.sln).");
    }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
