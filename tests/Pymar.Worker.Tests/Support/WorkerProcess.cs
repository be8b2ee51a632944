using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pymar.Worker.Tests.Support;

/// <summary>
/// <c>pymar-worker</c> started as its own OS process (<c>dotnet Pymar.Worker.dll args</c>) in a working directory
/// of the test's choosing (a fresh empty one by default). Its stdout and stderr lines are collected as they come;
/// it is waited on with deadlines only, stopped with SIGTERM, and killed on dispose if it still runs.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    // What a developer's shell (or a service manager running the tests) may hold that would change what the worker
    // does; each test sets its own.
    private static readonly string[] s_scrubbed = ["Pymar__", "Pymar:", "Serilog__", "Jobs__", "DOTNET_ENVIRONMENT", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "INVOCATION_ID"];

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];
    private readonly Lock _lock = new();
    private readonly string? _ownedDirectory;

    private WorkerProcess(Process process, string? ownedDirectory)
    {
        _process = process;
        _ownedDirectory = ownedDirectory;
    }

    public int Id => _process.Id;

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Output => Snapshot(_output);

    /// <summary>Every stderr line so far.</summary>
    public IReadOnlyList<string> Error => Snapshot(_error);

    /// <summary>Every line so far, stdout first.</summary>
    public IReadOnlyList<string> Lines => [.. Output, .. Error];

    /// <summary>
    /// Starts the worker (or another <paramref name="program"/> dll) with <paramref name="args"/>, <paramref name="environment"/>
    /// added, in <paramref name="workingDirectory"/> (or a new empty one).
    /// </summary>
    public static WorkerProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? program = null)
    {
        var owned = workingDirectory is null ? Directory.CreateTempSubdirectory("pymar-worker-test-").FullName : null;
        var info = new ProcessStartInfo(Programs.Dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? owned!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(program ?? Programs.Worker);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => s_scrubbed.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, owned);
        process.OutputDataReceived += (_, e) => worker.Add(worker._output, e.Data);
        process.ErrorDataReceived += (_, e) => worker.Add(worker._error, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {info.FileName} {string.Join(' ', info.ArgumentList)}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Runs the worker to its end (for command lines that make it exit at once) and returns its exit code and output.</summary>
    public static async Task<(int Code, IReadOnlyList<string> Output, IReadOnlyList<string> Error)> RunAsync(IEnumerable<string> args, TimeSpan deadline)
    {
        await using var worker = Start(args);
        var code = await worker.WaitForExitAsync(deadline);
        return (code, worker.Output, worker.Error);
    }

    /// <summary>Waits until a line contains <paramref name="text"/> and returns it; fails at the deadline or when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var exited = _process.HasExited;
            if (exited)
            {
                // The exit is seen before the last lines are read: wait for the end of the streams, then look once more.
                await _process.WaitForExitAsync();
            }

            if (Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (exited)
            {
                throw new InvalidOperationException($"pymar-worker exited with code {_process.ExitCode} before printing \"{text}\".\n{Describe()}");
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for pymar-worker to print \"{text}\".\n{Describe()}"));
            }

            await Task.Delay(s_poll);
        }
    }

    /// <summary>Waits until the process exits and returns its exit code; fails at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for pymar-worker to exit.\n{Describe()}"));
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as systemd stops a service, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan deadline)
    {
        if (!_process.HasExited)
        {
            var info = new ProcessStartInfo("kill") { UseShellExecute = false };
            info.ArgumentList.Add("-TERM");
            info.ArgumentList.Add(_process.Id.ToString(CultureInfo.InvariantCulture));
            using var kill = Process.Start(info) ?? throw new InvalidOperationException("Could not start kill.");
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(deadline);
    }

    /// <summary>The process's state and output, for failure messages.</summary>
    public string Describe()
    {
        var state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "running";
        return $"---- pymar-worker (pid {_process.Id}, {state}) ----\n{string.Join('\n', Lines)}\n---- end ----";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Already gone, or left to the OS.
            }
        }

        _process.Dispose();
        if (_ownedDirectory is not null)
        {
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }

    private IReadOnlyList<string> Snapshot(List<string> lines)
    {
        lock (_lock)
        {
            return [.. lines];
        }
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            lines.Add(line);
        }
    }
}
