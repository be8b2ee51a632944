using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// A program started in its own OS process. Its stdout and stderr lines are kept as they come (and can be waited
/// for, always with a deadline); stdout can also be read line by line, answer after command, through a cursor. It can
/// be stopped with SIGTERM or killed; disposing asks it to stop (<see cref="ChildProcessOptions.StopCommand"/>) or
/// kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_stopDeadline = TimeSpan.FromSeconds(20);

    private static readonly string[] s_scrubbed =
    [
        "Pymar__", "Pymar:", "PYMAR_TEST_", "Serilog__", "Logging__", "Jobs__", "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT",
        "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "INVOCATION_ID",
    ];

    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _outputCursor;

    private ChildProcess(string name, Process process, ChildProcessOptions options)
    {
        Name = name;
        _process = process;
        _options = options;
    }

    /// <summary>The dotnet host that runs this process, so children run on the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    /// <summary>A name for messages, such as "worker A".</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line printed so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines => Snapshot(_lines);

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Output => Snapshot(_output);

    /// <summary>Every stderr line so far.</summary>
    public IReadOnlyList<string> Error => Snapshot(_error);

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c>, by default in the dll's directory.</summary>
    public static ChildProcess StartDll(string name, string dll, IEnumerable<string> arguments, ChildProcessOptions? options = null)
    {
        options ??= new ChildProcessOptions();
        var inDirectory = options.WorkingDirectory is null
            ? new ChildProcessOptions
            {
                Environment = options.Environment,
                WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll)),
                ScrubEnvironment = options.ScrubEnvironment,
                EchoStandardError = options.EchoStandardError,
                StopCommand = options.StopCommand,
            }
            : options;
        return Start(name, Dotnet, [dll, .. arguments], inDirectory);
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, ChildProcessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new ChildProcessOptions();
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (options.WorkingDirectory is { } directory)
        {
            info.WorkingDirectory = directory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (options.ScrubEnvironment)
        {
            foreach (var key in info.Environment.Keys.Where(k => s_scrubbed.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
            {
                info.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, options);
        process.OutputDataReceived += (_, e) => child.Add(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data, error: true);
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
    /// Waits until a line (stdout or stderr) matching <paramref name="predicate"/> has been printed and returns it;
    /// fails when <paramref name="deadline"/> passes or the process exits first, showing what it printed.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan deadline, string what) =>
        (await WaitAsync(_lines, 0, predicate, deadline, what).ConfigureAwait(false)).Line;

    /// <summary>Waits for a line that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan deadline) =>
        WaitForLineAsync(l => l.Contains(text, StringComparison.Ordinal), deadline, $"\"{text}\"");

    /// <summary>Reads stdout lines after the cursor until one equals <paramref name="expected"/>.</summary>
    public Task WaitForOutputAsync(string expected, TimeSpan deadline) =>
        ReadOutputAsync(l => l == expected, deadline, $"'{expected}'");

    /// <summary>Returns the next stdout line after the cursor.</summary>
    public Task<string> ReadLineAsync(TimeSpan deadline) => ReadOutputAsync(_ => true, deadline, "a line");

    /// <summary>Writes <paramref name="command"/> on stdin and returns the next stdout line.</summary>
    public async Task<string> CommandAsync(string command, TimeSpan deadline)
    {
        await WriteLineAsync(command).ConfigureAwait(false);
        return await ReadLineAsync(deadline).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="line"/> on the child's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for the process to exit by itself and returns the stdout after the cursor.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan deadline)
    {
        await WaitForExitAsync(deadline).ConfigureAwait(false);
        lock (_lock)
        {
            var rest = _output.Skip(_outputCursor).ToList();
            _outputCursor = _output.Count;
            return string.Join('\n', rest);
        }
    }

    /// <summary>Waits until the process exits and returns its exit code; fails when <paramref name="deadline"/> passes.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
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

    /// <summary>SIGTERM, as a service manager stops a service; waits until the process has exited and returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan deadline)
    {
        if (!_process.HasExited)
        {
            var info = new ProcessStartInfo("kill") { UseShellExecute = false, ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) } };
            using var kill = Process.Start(info) ?? throw new InvalidOperationException("Could not start kill.");
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        return await WaitForExitAsync(deadline).ConfigureAwait(false);
    }

    /// <summary>The process's name, id, state and last lines, for failure messages.</summary>
    public string Describe()
    {
        var lines = Lines;
        var state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "running";
        var shown = lines.Count > 300 ? lines.Skip(lines.Count - 300) : lines;
        return $"---- {Name} (pid {_process.Id}, {state}), {lines.Count} line(s) ----\n{string.Join('\n', shown)}\n---- end of {Name} ----";
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && _options.StopCommand is { } stop)
        {
            try
            {
                await WriteLineAsync(stop).ConfigureAwait(false);
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(s_stopDeadline);
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                _options.EchoStandardError?.WriteLine($"[{Name}] did not stop; killing process {_process.Id}");
            }
        }

        if (!_process.HasExited)
        {
            Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Left to the OS; nothing more a test can do.
            }
        }

        _process.Dispose();
    }

    private async Task<string> ReadOutputAsync(Func<string, bool> predicate, TimeSpan deadline, string what)
    {
        int start;
        lock (_lock)
        {
            start = _outputCursor;
        }

        var (index, line) = await WaitAsync(_output, start, predicate, deadline, what).ConfigureAwait(false);
        lock (_lock)
        {
            _outputCursor = index + 1;
        }

        return line;
    }

    // The one wait-for-line loop: scans the lines not seen yet, then sleeps until a line comes, the process ends or
    // the deadline passes.
    private async Task<(int Index, string Line)> WaitAsync(List<string> lines, int start, Func<string, bool> predicate, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource();
        var expired = Task.Delay(deadline, timeout.Token);

        // Completes once the process has exited and its streams are read to the end.
        var exit = _process.WaitForExitAsync(timeout.Token);
        try
        {
            var next = start;
            while (true)
            {
                var exited = exit.IsCompletedSuccessfully;
                Task added;
                lock (_lock)
                {
                    for (; next < lines.Count; next++)
                    {
                        if (predicate(lines[next]))
                        {
                            return (next, lines[next]);
                        }
                    }

                    added = _added.Task;
                }

                if (exited)
                {
                    throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before printing {what}.\n{Describe()}");
                }

                if (expired.IsCompleted)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for {Name} to print {what}.\n{Describe()}"));
                }

                await Task.WhenAny(added, exit, expired).ConfigureAwait(false);
            }
        }
        finally
        {
            await timeout.CancelAsync().ConfigureAwait(false);
        }
    }

    private IReadOnlyList<string> Snapshot(List<string> lines)
    {
        lock (_lock)
        {
            return [.. lines];
        }
    }

    private void Add(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource added;
        lock (_lock)
        {
            _lines.Add(line);
            (error ? _error : _output).Add(line);
            added = _added;
            _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
        if (error)
        {
            _options.EchoStandardError?.WriteLine($"[{Name}] {line}");
        }
    }

    private static string FindDotnet()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
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
