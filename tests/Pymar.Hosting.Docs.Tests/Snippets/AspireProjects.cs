using Aspire.Hosting;

// What the Aspire AppHost SDK generates for each <ProjectReference> of an AppHost project: a class per project in
// the Projects namespace. Written by hand here, since the snippets compile in a test project, not in an AppHost.
namespace Projects;

/// <summary>The producer project of docs/aspire.md.</summary>
public sealed class Producer : IProjectMetadata
{
    /// <inheritdoc />
    public string ProjectPath => "../Producer/Producer.csproj";
}

/// <summary>The worker project of docs/aspire.md.</summary>
public sealed class Worker : IProjectMetadata
{
    /// <inheritdoc />
    public string ProjectPath => "../Worker/Worker.csproj";
}
