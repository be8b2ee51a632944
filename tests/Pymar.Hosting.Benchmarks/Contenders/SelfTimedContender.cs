using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// A contender of a worker process and a client process that times each job itself, so the pipe is not counted: the
/// harness writes <c>job N</c>, the client answers <c>done &lt;nanoseconds&gt; &lt;sum of the answers&gt;</c>. MassTransit's
/// and Celery's clients speak these lines.
/// </summary>
/// <param name="name">The contender's name in error messages.</param>
/// <param name="answersJit">True when both processes are .NET and answer <c>jit</c> (<see cref="CompiledMethodsAsync"/>).</param>
internal abstract class SelfTimedContender(string name, bool answersJit) : IAsyncDisposable
{
    private protected ChildProcess? Worker { get; set; }

    private protected ChildProcess? Client { get; set; }

    /// <summary>Runs one job of <paramref name="count"/> requests; returns the client's own timing and the sum.</summary>
    public async Task<(TimeSpan Elapsed, long Sum)> RunJobAsync(int count, TimeSpan timeout)
    {
        var answer = await Client!.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"job {count}"), timeout);
        var parts = answer.Split(' ');
        if (parts.Length != 3 || parts[0] != "done")
        {
            throw new InvalidOperationException($"the {name} client answered '{answer}'");
        }

        return (TimeSpan.FromTicks(long.Parse(parts[1], CultureInfo.InvariantCulture) / 100), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>The methods the worker and the client have compiled so far; 0 for processes that are not .NET.</summary>
    public async Task<long> CompiledMethodsAsync(TimeSpan timeout)
    {
        if (!answersJit)
        {
            return 0;
        }

        long compiled = 0;
        foreach (var process in new[] { Worker, Client })
        {
            compiled += BenchChild.ParseCompiledMethods(await process!.CommandAsync("jit", timeout), name);
        }

        return compiled;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }
    }
}
