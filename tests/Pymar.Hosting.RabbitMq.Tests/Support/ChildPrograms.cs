using System.Reflection;

namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>Where the programs the tests start are: paths compiled in by the project file (see EmbedChildProgramPaths).</summary>
internal static class ChildPrograms
{
    /// <summary>tests/Pymar.Hosting.TestWorker's dll: <c>worker</c> and <c>produce</c> modes.</summary>
    public static string TestWorker => ExistingFile("PymarTestWorkerProgram");

    /// <summary>src/Pymar.Examples's dll, the program a user runs (<c>worker --broker URI</c>).</summary>
    public static string Examples => ExistingFile("PymarExamplesProgram");

    /// <summary>deploy/rabbitmq/ctl.sh: rabbitmqctl against the local test broker.</summary>
    public static string Ctl => Path.Combine(Metadata("PymarRepositoryRoot"), "deploy", "rabbitmq", "ctl.sh");

    /// <summary>The dotnet host that runs this test process, so children run on the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    private static string ExistingFile(string key)
    {
        var path = Metadata(key);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{key} '{path}' does not exist; build the solution first (dotnet build Pymar.Hosting.sln).");
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
