namespace Pymar.Hosting.TestSupport;

/// <summary>
/// Where the programs and scripts the tests run are: paths compiled in by this project's file
/// (see its EmbedChildProgramPaths target).
/// </summary>
public static class ChildPrograms
{
    /// <summary>tests/Pymar.Hosting.TestWorker's dll: <c>worker</c> and <c>produce</c> (slow-sum) modes.</summary>
    public static string TestWorker => BuiltPrograms.ExistingFile(typeof(ChildPrograms).Assembly, "PymarTestWorkerProgram");

    /// <summary>src/Pymar.Examples's dll, the program a user runs (<c>worker --broker URI</c>, an example with <c>--producer-only</c>, <c>integrate --timeline PATH</c>).</summary>
    public static string Examples => BuiltPrograms.ExistingFile(typeof(ChildPrograms).Assembly, "PymarExamplesProgram");

    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot => BuiltPrograms.Metadata(typeof(ChildPrograms).Assembly, "PymarRepositoryRoot");

    /// <summary>deploy/rabbitmq/ctl.sh: rabbitmqctl against the local test broker.</summary>
    public static string Ctl => Path.Combine(RepositoryRoot, "deploy", "rabbitmq", "ctl.sh");

    /// <summary>deploy/cluster/<paramref name="name"/>.</summary>
    public static string ClusterScript(string name) => Path.Combine(RepositoryRoot, "deploy", "cluster", name);
}
