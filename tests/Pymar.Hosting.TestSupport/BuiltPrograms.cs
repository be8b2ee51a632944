using System.Reflection;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// Paths a test project's build compiled into its assembly as <see cref="AssemblyMetadataAttribute"/>s (the programs
/// it starts, the assemblies it loads, where the repository is), wherever the build put them.
/// </summary>
public static class BuiltPrograms
{
    /// <summary>The path under <paramref name="key"/>; fails when the build did not set it.</summary>
    public static string Metadata(Assembly assembly, string key)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The assembly {assembly.GetName().Name} carries no {key} path; it is set by a target of its project file.");
    }

    /// <summary>The file under <paramref name="key"/>; fails when it was not built.</summary>
    public static string ExistingFile(Assembly assembly, string key)
    {
        var path = Metadata(assembly, key);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{key} '{path}' does not exist; build the solution first (dotnet build Pymar.Hosting.sln).");
    }
}
