using System.Globalization;
using System.Reflection;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// The MassTransit 8.5 contender: a worker process (a receive endpoint with the run's slot count as prefetch and
/// concurrency) and a client process (a request client, <c>Task.WhenAll</c> over a job's requests), both built from
/// tests/Pymar.Hosting.Benchmarks.MassTransit. The client times each job itself, so the pipe is not counted.
/// </summary>
internal sealed class MassTransitContender() : SelfTimedContender("MassTransit", answersJit: true)
{

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
        Worker = BenchChild.StartDll("mt-worker", path, ["worker", .. common]);
        Client = BenchChild.StartDll("mt-client", path, ["client", .. common]);
        await Task.WhenAll(Worker.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60)), Client.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60)));
    }
}
