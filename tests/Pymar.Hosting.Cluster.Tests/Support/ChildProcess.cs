using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>
/// A program the test started in its own OS process (here usually <c>host.sh NAME -- dotnet some.dll args</c>, which
/// execs into the program inside a worker host's namespace, so the pid is the program's): its stdout and stderr lines are
/// collected as they come, and it can be waited on (always with a deadline), stopped with SIGTERM or killed with
/// SIGKILL. Disposing kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    // Variables a developer's shell may hold that would change what a child does; each test sets its own.
    private static readonly string[] s_inheritedPrefixes = ["Pymar__", "Pymar:", "PYMAR_TEST_", "Serilog__", "Logging__", "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT"];

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>A name for messages, such as "worker A".</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every line printed so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Starts <paramref name="command"/> (file, then arguments) with <paramref name="environment"/> added.</summary>
    public static ChildProcess Start(string name, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => s_inheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: {info.FileName} {string.Join(' ', info.ArgumentList)}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>How many lines so far contain <paramref name="text"/>.</summary>
    public int CountLines(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>
    /// Waits until a line matching <paramref name="predicate"/> has been printed and returns it; fails when
    /// <paramref name="deadline"/> passes or the process exits first, showing what it printed.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan deadline, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var exited = _process.HasExited;
            if (exited)
            {
                // Exit is seen before the last lines are read: wait for the end of the streams, then look once more.
                await _process.WaitForExitAsync();
            }

            if (Lines.FirstOrDefault(predicate) is { } line)
            {
                return line;
            }

            if (exited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before printing {what}.\n{Describe()}");
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for {Name} to print {what}.\n{Describe()}"));
            }

            await Task.Delay(s_poll);
        }
    }

    /// <summary>Waits for a line that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan deadline) =>
        WaitForLineAsync(l => l.Contains(text, StringComparison.Ordinal), deadline, $"\"{text}\"");

    /// <summary>Waits until the process exits and returns its exit code; fails when <paramref name="deadline"/> passes.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for {Name} to exit.\n{Describe()}"));
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process (and anything it started) dies at once, without any chance to clean up.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }
    }

    /// <summary>SIGTERM, as a service manager stops a service; waits until the process has exited.</summary>
    public async Task<int> StopAsync(TimeSpan deadline)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"kill -TERM {_process.Id.ToString(CultureInfo.InvariantCulture)}" }, UseShellExecute = false })!;
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(deadline);
    }

    /// <summary>The process's name, id, state and last lines, for failure messages.</summary>
    public string Describe()
    {
        var lines = Lines;
        var state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "running";
        var shown = lines.Count > 300 ? lines.Skip(lines.Count - 300) : lines;
        return $"---- {Name} (pid {_process.Id}, {state}), {lines.Count} line(s) ----\n{string.Join('\n', shown)}\n---- end of {Name} ----";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Left to the OS; nothing more a test can do.
            }
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Add(line);
        }
    }
}
