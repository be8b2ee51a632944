namespace Pymar.Worker.Tests.Support;

/// <summary>Where the programs and assemblies the tests use are: paths compiled in by the project file (EmbedWorkerTestPaths).</summary>
internal static class Programs
{
    /// <summary>src/Pymar.Worker's dll: <c>pymar-worker</c>.</summary>
    public static string Worker => BuiltPrograms.ExistingFile(typeof(Programs).Assembly, "PymarWorkerProgram");

    /// <summary>src/Pymar.Examples's dll in its own output directory: the examples' producers and data sources.</summary>
    public static string Examples => BuiltPrograms.ExistingFile(typeof(Programs).Assembly, "PymarExamplesAssembly");

    /// <summary>tests/Pymar.Worker.Tests.Jobs's dll in its own output directory: a job assembly with a startup hook.</summary>
    public static string Jobs => BuiltPrograms.ExistingFile(typeof(Programs).Assembly, "PymarJobsAssembly");
}
