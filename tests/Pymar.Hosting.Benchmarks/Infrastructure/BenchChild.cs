using System.Reflection;
using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// Starts the harness's child processes, driven by lines: the harness writes a command on stdin and reads one answer
/// line from stdout (<see cref="ChildProcess.CommandAsync"/>). Their stderr goes to the harness's stderr, prefixed
/// with their name; disposing one sends <c>quit</c> and closes its stdin before it is killed.
/// </summary>
internal static class BenchChild
{
    /// <summary>Starts this harness again in another role.</summary>
    /// <remarks>With <paramref name="workerHost"/>, inside that worker host of the test cluster (deploy/cluster/host.sh).</remarks>
    public static ChildProcess StartSelf(string name, IEnumerable<string> arguments, string? workerHost = null)
    {
        var processPath = Environment.ProcessPath ?? ChildProcess.Dotnet;
        var entry = Assembly.GetEntryAssembly()!.Location;
        string[] command = IsDotnetHost(processPath) ? [processPath, entry, .. arguments] : [processPath, .. arguments];
        return workerHost is null
            ? ChildProcess.Start(name, command[0], command[1..], Options())
            : ChildProcess.Start(name, ClusterScript("host.sh"), [workerHost, "--", .. command], Options());
    }

    /// <summary>Reads a child's answer to <c>jit</c> (<c>ok N</c>): the methods it has compiled so far.</summary>
    public static long ParseCompiledMethods(string answer, string name) =>
        answer.StartsWith("ok ", StringComparison.Ordinal) && long.TryParse(answer.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new InvalidOperationException($"{name} answered '{answer}' to 'jit'");

    /// <summary>Starts this harness again in another role and waits until it says <c>ready</c>; one that does not is stopped.</summary>
    public static async Task<ChildProcess> StartSelfReadyAsync(string name, IEnumerable<string> arguments, TimeSpan timeout, string? workerHost = null)
    {
        var child = StartSelf(name, arguments, workerHost);
        try
        {
            await child.WaitForOutputAsync("ready", timeout);
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a framework-dependent program (a .dll) with the dotnet host.</summary>
    public static ChildProcess StartDll(string name, string dll, IEnumerable<string> arguments) =>
        ChildProcess.Start(name, ChildProcess.Dotnet, [dll, .. arguments], Options());

    // The children must not inherit a Debug configuration or a console logger that writes on stdout.
    private static ChildProcessOptions Options() => new()
    {
        ScrubEnvironment = false,
        Environment = new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production" },
        EchoStandardError = Console.Error,
        StopCommand = "quit",
    };

    /// <summary>deploy/cluster/NAME, found above the harness or the current directory.</summary>
    public static string ClusterScript(string name)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "deploy", "cluster", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException($"deploy/cluster/{name} not found above {AppContext.BaseDirectory} or the current directory");
    }

    private static bool IsDotnetHost(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}
