using System.Diagnostics;
using System.Reflection;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// A child process driven by lines: the harness writes a command on its stdin and reads one answer line from its
/// stdout. Its stderr goes to the harness's stderr, prefixed with its name. Closing stdin (or <c>quit</c>) stops it.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;

    private ChildProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    public int Id => _process.Id;

    /// <summary>Starts this harness again in another role.</summary>
    public static ChildProcess StartSelf(string name, IEnumerable<string> arguments)
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var entry = Assembly.GetEntryAssembly()!.Location;
        return IsDotnetHost(processPath)
            ? Start(name, processPath, [entry, .. arguments])
            : Start(name, processPath, arguments);
    }

    /// <summary>Starts a framework-dependent program (a .dll) with the dotnet host.</summary>
    public static ChildProcess StartDll(string name, string dll, IEnumerable<string> arguments) =>
        Start(name, DotnetHost(), [dll, .. arguments]);

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The children must not inherit a Debug configuration or a console logger that writes on stdout.
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"[{name}] {line}");
            }
        };
        process.BeginErrorReadLine();
        return new ChildProcess(process, name);
    }

    /// <summary>Reads lines until one equals <paramref name="expected"/>, within <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(string expected, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_name} did not say '{expected}' within {timeout.TotalSeconds:0} s");
            }

            if (line is null)
            {
                throw new InvalidOperationException($"{_name} exited (code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)}) before saying '{expected}'");
            }

            if (line == expected)
            {
                return;
            }
        }
    }

    /// <summary>Writes a command and returns the next line of output.</summary>
    public async Task<string> CommandAsync(string command, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadLineAsync(timeout);
    }

    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _process.StandardOutput.ReadLineAsync(deadline.Token)
                ?? throw new InvalidOperationException($"{_name} exited (code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)})");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not answer within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Waits for the process to exit by itself and returns everything it wrote on stdout.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var text = await _process.StandardOutput.ReadToEndAsync(deadline.Token);
        await _process.WaitForExitAsync(deadline.Token);
        return text;
    }

    public int ExitCode => _process.ExitCode;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("quit");
                _process.StandardInput.Close();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                Console.Error.WriteLine($"[{_name}] did not stop; killing process {_process.Id}");
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static bool IsDotnetHost(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);

    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && IsDotnetHost(self))
        {
            return self;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return "dotnet";
    }
}
