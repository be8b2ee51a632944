namespace Pymar.Worker.Tests.Support;

/// <summary>
/// <c>pymar-worker</c> as its own OS process (a <see cref="ChildProcess"/>), run in a working directory of the
/// test's choosing or in a fresh empty one that disposing deletes.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string? _ownedDirectory;

    private WorkerProcess(ChildProcess process, string? ownedDirectory)
    {
        _process = process;
        _ownedDirectory = ownedDirectory;
    }

    public int Id => _process.Id;

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Output => _process.Output;

    /// <summary>Every stderr line so far.</summary>
    public IReadOnlyList<string> Error => _process.Error;

    /// <summary>Every line so far, as they arrived.</summary>
    public IReadOnlyList<string> Lines => _process.Lines;

    /// <summary>
    /// Starts the worker (or another <paramref name="program"/> dll) with <paramref name="args"/>, <paramref name="environment"/>
    /// added, in <paramref name="workingDirectory"/> (or a new empty one).
    /// </summary>
    public static WorkerProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? program = null)
    {
        var owned = workingDirectory is null ? Directory.CreateTempSubdirectory("pymar-worker-test-").FullName : null;
        var process = ChildProcess.StartDll("pymar-worker", program ?? Programs.Worker, args, new() { Environment = environment, WorkingDirectory = workingDirectory ?? owned });
        return new WorkerProcess(process, owned);
    }

    /// <summary>Runs the worker to its end (for command lines that make it exit at once) and returns its exit code and output.</summary>
    public static async Task<(int Code, IReadOnlyList<string> Output, IReadOnlyList<string> Error)> RunAsync(IEnumerable<string> args, TimeSpan deadline)
    {
        await using var worker = Start(args);
        var code = await worker.WaitForExitAsync(deadline);
        return (code, worker.Output, worker.Error);
    }

    /// <inheritdoc cref="ChildProcess.WaitForLineAsync(string, TimeSpan)"/>
    public Task<string> WaitForLineAsync(string text, TimeSpan deadline) => _process.WaitForLineAsync(text, deadline);

    /// <inheritdoc cref="ChildProcess.WaitForExitAsync(TimeSpan)"/>
    public Task<int> WaitForExitAsync(TimeSpan deadline) => _process.WaitForExitAsync(deadline);

    /// <summary>Sends SIGTERM, as systemd stops a service, and waits for the exit code.</summary>
    public Task<int> TerminateAsync(TimeSpan deadline) => _process.StopAsync(deadline);

    /// <inheritdoc cref="ChildProcess.Describe"/>
    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        if (_ownedDirectory is not null)
        {
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }
}
