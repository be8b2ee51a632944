using System.Reflection;
using Pymar.Hosting;
using Pymar.Worker.CommandLine;

namespace Pymar.Worker.Loading;

/// <summary>
/// A user's compiled assembly loaded by path in its own <see cref="JobAssemblyLoadContext"/>, and the producer,
/// data source and startup types found in it. Every failure is a <see cref="WorkerInputException"/> with one line
/// that says what is wrong.
/// </summary>
internal sealed class JobAssembly
{
    private const int MaxListed = 12;
    private readonly Type[] _types;
    private readonly Exception? _loaderError;

    private JobAssembly(Assembly assembly, string path, Type[] types, Exception? loaderError)
    {
        Assembly = assembly;
        Path = path;
        _types = types;
        _loaderError = loaderError;
    }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>The assembly's full path.</summary>
    public string Path { get; }

    /// <summary>The file name, for messages.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Loads the assembly at <paramref name="path"/> (relative to the current directory).</summary>
    public static JobAssembly Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new WorkerInputException($"--assembly '{path}' is a directory; give the path of the compiled .dll.");
        }

        if (!File.Exists(fullPath))
        {
            throw new WorkerInputException($"assembly not found: '{path}' (no file at {fullPath}).");
        }

        Assembly assembly;
        try
        {
            assembly = new JobAssemblyLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw new WorkerInputException($"'{path}' is not a .NET assembly.");
        }
        catch (Exception ex) when (ex is FileLoadException or InvalidOperationException or ArgumentException)
        {
            throw new WorkerInputException($"cannot load assembly '{path}': {OneLine(ex.Message)}", ex);
        }

        Type[] types;
        Exception? loaderError = null;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            // Keep the types that did load; the first loader error explains a type that is then missing.
            types = [.. ex.Types.OfType<Type>()];
            loaderError = ex.LoaderExceptions.FirstOrDefault(e => e is not null);
        }

        return new JobAssembly(assembly, fullPath, types, loaderError);
    }

    /// <summary>Finds the producer type <paramref name="name"/> (simple or full name).</summary>
    public Type FindProducer(string name)
    {
        var type = Find(name, "producer", IsProducer);
        return IsProducer(type) ? type : throw new WorkerInputException(
            $"{Describe(name, type)} is not a producer: {WhyNot(type)}a producer is a class deriving from {typeof(Producer).FullName}<TItem, TValue>.");
    }

    /// <summary>Finds the data source type <paramref name="name"/> (simple or full name).</summary>
    public Type FindDataSource(string name)
    {
        var type = Find(name, "data source", IsDataSource);
        return IsDataSource(type) ? type : throw new WorkerInputException(
            $"{Describe(name, type)} is not a data source: {WhyNot(type)}a data source is a class implementing {typeof(IDataSource).FullName} (for example through DataSource<TItem>).");
    }

    /// <summary>Creates the assembly's <see cref="IPymarWorkerStartup"/> classes, ordered by full name.</summary>
    public IReadOnlyList<IPymarWorkerStartup> CreateStartups()
    {
        var startups = new List<IPymarWorkerStartup>();
        foreach (var type in _types.Where(t => t.IsVisible && IsConcrete(t) && typeof(IPymarWorkerStartup).IsAssignableFrom(t)).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new WorkerInputException($"startup {type.FullName} in {FileName} needs a public parameterless constructor.");
            }

            try
            {
                startups.Add((IPymarWorkerStartup)Activator.CreateInstance(type)!);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                throw new WorkerInputException($"startup {type.FullName} in {FileName} failed in its constructor: {OneLine(inner.Message)}", inner);
            }
        }

        return startups;
    }

    internal static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static bool IsProducer(Type type) => IsConcrete(type) && typeof(Producer).IsAssignableFrom(type);

    private static bool IsDataSource(Type type) => IsConcrete(type) && typeof(IDataSource).IsAssignableFrom(type);

    private static bool IsConcrete(Type type) => type.IsClass && !type.IsAbstract && !type.ContainsGenericParameters;

    private static string Describe(string name, Type type) =>
        string.Equals(name, type.FullName, StringComparison.Ordinal) ? $"'{name}'" : $"'{name}' ({type.FullName})";

    private static string WhyNot(Type type) =>
        type.IsAbstract && type.IsClass ? "it is abstract; "
        : type.ContainsGenericParameters ? "it is an open generic type; "
        : !type.IsClass ? "it is not a class; "
        : "";

    /// <summary>
    /// Finds one type by full name (nested types with '+' or '.'), else by simple name. The kind is checked by the
    /// caller, so that a type of the wrong kind gets its own message rather than "not found".
    /// </summary>
    private Type Find(string name, string kind, Func<Type, bool> isKind)
    {
        var byFullName = _types.Where(t => t.FullName is { } full && (full == name || full.Replace('+', '.') == name)).ToList();
        if (byFullName.Count == 1)
        {
            return byFullName[0];
        }

        var bySimpleName = _types.Where(t => t.Name == name && !IsCompilerGenerated(t)).ToList();
        if (bySimpleName.Count > 1)
        {
            // Prefer the one type of the right kind, if only one is.
            var ofKind = bySimpleName.Where(isKind).ToList();
            if (ofKind.Count == 1)
            {
                return ofKind[0];
            }

            var candidates = (ofKind.Count > 1 ? ofKind : bySimpleName).Select(t => t.FullName).Order(StringComparer.Ordinal);
            throw new WorkerInputException($"{kind} name '{name}' is ambiguous in {FileName}: {string.Join(", ", candidates)}; give the full name.");
        }

        if (bySimpleName.Count == 1)
        {
            return bySimpleName[0];
        }

        var available = _types.Where(isKind).Select(t => t.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var listed = available.Count == 0 ? "none"
            : available.Count <= MaxListed ? string.Join(", ", available)
            : string.Join(", ", available.Take(MaxListed)) + $", … ({available.Count} in all)";
        var loader = _loaderError is null ? "" : $" Some types could not be loaded: {OneLine(_loaderError.Message)}";
        throw new WorkerInputException($"no type named '{name}' in {FileName} ({kind}s there: {listed}).{loader}");
    }

    private static bool IsCompilerGenerated(Type type) => type.Name.Contains('<', StringComparison.Ordinal);
}
