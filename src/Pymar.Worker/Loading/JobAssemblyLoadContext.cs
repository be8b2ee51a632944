using System.Reflection;
using System.Runtime.Loader;

namespace Pymar.Worker.Loading;

/// <summary>
/// Loads a job assembly and its dependencies from the assembly's own directory through its <c>.deps.json</c>, but
/// shares with the worker every assembly the worker itself has, so that the job's producers derive from the same
/// <c>Pymar.Hosting.Producer</c> the worker registers and its startups see the same <c>IServiceCollection</c>.
/// </summary>
internal sealed class JobAssemblyLoadContext : AssemblyLoadContext
{
    private static readonly Lazy<Dictionary<string, string>> s_workerAssemblies = new(ReadWorkerAssemblies);
    private readonly AssemblyDependencyResolver _resolver;

    /// <summary>Creates the context for the assembly at <paramref name="assemblyPath"/> (a full path).</summary>
    public JobAssemblyLoadContext(string assemblyPath)
        : base($"pymar-worker job {Path.GetFileName(assemblyPath)}", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    /// <summary>
    /// Whether the default context should load <paramref name="name"/>: any assembly the worker has, the contract
    /// assemblies (Pymar.Hosting and Microsoft.Extensions) whatever their version, others when the worker's version is
    /// at least the one asked for. A job that needs a newer library than the worker's, or one the worker lacks, gets
    /// its own copy from its directory.
    /// </summary>
    internal static bool IsShared(AssemblyName name)
    {
        if (name.Name is not { } simpleName || !TryGetWorkerVersion(simpleName, out var available))
        {
            return false;
        }

        return IsContract(simpleName) || name.Version is null || available is null || available >= name.Version;
    }

    private static bool TryGetWorkerVersion(string simpleName, out Version? version)
    {
        var loaded = Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase));
        if (loaded is not null)
        {
            version = loaded.GetName().Version;
            return true;
        }

        version = null;
        if (!s_workerAssemblies.Value.TryGetValue(simpleName, out var path))
        {
            return false;
        }

        try
        {
            version = AssemblyName.GetAssemblyName(path).Version;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            // The default context will report it if it cannot load it either.
        }

        return true;
    }

    private static bool IsContract(string simpleName) =>
        simpleName.Equals("Pymar.Hosting", StringComparison.OrdinalIgnoreCase)
        || simpleName.StartsWith("Pymar.Hosting.", StringComparison.OrdinalIgnoreCase)
        || simpleName.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase);

    /// <summary>The assemblies the default context resolves: the framework's and the worker's own (its .deps.json).</summary>
    private static Dictionary<string, string> ReadWorkerAssemblies()
    {
        var assemblies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                assemblies.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }

        return assemblies;
    }
}
