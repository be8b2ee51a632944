namespace Pymar.Hosting.TestSupport;

/// <summary>How <see cref="ChildProcess"/> starts a program and what it does with its streams.</summary>
public sealed class ChildProcessOptions
{
    /// <summary>Variables added to the child's environment (after <see cref="ScrubEnvironment"/>).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The child's working directory; null inherits this process's, except for a dll (its own directory).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Removes the variables a developer's shell (or a service manager running the tests) may hold that would change
    /// what a Pymar program does (<c>Pymar__…</c>, <c>Serilog__…</c>, <c>NOTIFY_SOCKET</c>, …); each caller sets its own.
    /// </summary>
    public bool ScrubEnvironment { get; init; } = true;

    /// <summary>Where stderr lines are echoed as they come, prefixed with the child's name; null keeps them only.</summary>
    public TextWriter? EchoStandardError { get; init; }

    /// <summary>A line written on stdin at dispose, asking the child to stop before it is killed; null kills at once.</summary>
    public string? StopCommand { get; init; }
}
