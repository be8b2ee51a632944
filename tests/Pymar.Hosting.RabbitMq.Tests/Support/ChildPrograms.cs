namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>Where the programs the tests start are: paths compiled in by the project file (see EmbedChildProgramPaths).</summary>
internal static class ChildPrograms
{
    /// <summary>tests/Pymar.Hosting.TestWorker's dll: <c>worker</c> and <c>produce</c> modes.</summary>
    public static string TestWorker => BuiltPrograms.ExistingFile(typeof(ChildPrograms).Assembly, "PymarTestWorkerProgram");

    /// <summary>src/Pymar.Examples's dll, the program a user runs (<c>worker --broker URI</c>).</summary>
    public static string Examples => BuiltPrograms.ExistingFile(typeof(ChildPrograms).Assembly, "PymarExamplesProgram");

    /// <summary>deploy/rabbitmq/ctl.sh: rabbitmqctl against the local test broker.</summary>
    public static string Ctl => Path.Combine(BuiltPrograms.Metadata(typeof(ChildPrograms).Assembly, "PymarRepositoryRoot"), "deploy", "rabbitmq", "ctl.sh");
}
