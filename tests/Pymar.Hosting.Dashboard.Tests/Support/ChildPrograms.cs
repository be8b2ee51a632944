using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>Where the programs the tests start are: paths compiled in by the project file (see EmbedChildProgramPaths).</summary>
internal static class ChildPrograms
{
    /// <summary>src/Pymar.Examples's dll, the program a user runs (<c>worker --broker URI</c>, <c>integrate --timeline PATH</c>).</summary>
    public static string Examples => BuiltPrograms.ExistingFile(typeof(ChildPrograms).Assembly, "PymarExamplesProgram");
}
