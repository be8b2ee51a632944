using System.Globalization;
using System.Reflection;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// The MassTransit 8.5 contender: a worker process (a receive endpoint with the run's slot count as prefetch and
/// concurrency) and a client process (a request client, <c>Task.WhenAll</c> over a job's requests), both built from
/// tests/Pymar.Hosting.Benchmarks.MassTransit. The client times each job itself, so the pipe is not counted.
/// </summary>
internal sealed class MassTransitContender : IAsyncDisposable
{
    private ChildProcess? _worker;
    private ChildProcess? _client;

    public static string ProgramPath =>
        typeof(MassTransitContender).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "MassTransitContender").Value!;

    /// <summary>The exchanges MassTransit declares for the run (all named with the run's prefix).</summary>
    public static string[] Exchanges(string prefix) => [prefix + "mt-slice", prefix + "mt-command", prefix + "mt-answer"];

    public static string[] Queues(string prefix) => [prefix + "mt-slice", prefix + "mt-slice_error", prefix + "mt-slice_skipped"];

    public async Task StartAsync(string broker, string prefix, int slots)
    {
        var path = ProgramPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The MassTransit contender is not built at {path}; build tests/Pymar.Hosting.Benchmarks.MassTransit in the same configuration, or pass --no-masstransit.");
        }

        string[] common = ["--broker", broker, "--prefix", prefix, "--slots", slots.ToString(CultureInfo.InvariantCulture)];
        _worker = BenchChild.StartDll("mt-worker", path, ["worker", .. common]);
        _client = BenchChild.StartDll("mt-client", path, ["client", .. common]);
        await Task.WhenAll(_worker.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60)), _client.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60)));
    }

    /// <summary>Runs one job of <paramref name="count"/> requests; returns the client's own timing and the sum.</summary>
    public async Task<(TimeSpan Elapsed, long Sum)> RunJobAsync(int count, TimeSpan timeout)
    {
        var answer = await _client!.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"job {count}"), timeout);
        var parts = answer.Split(' ');
        if (parts.Length != 3 || parts[0] != "done")
        {
            throw new InvalidOperationException($"the MassTransit client answered '{answer}'");
        }

        return (TimeSpan.FromTicks(long.Parse(parts[1], CultureInfo.InvariantCulture) / 100), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
    }
}
