using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Pymar.Hosting.Benchmarks.Contenders;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Scenarios;
using RabbitMQ.Client;

namespace Pymar.Hosting.Benchmarks;

/// <summary>
/// The benchmark harness. Without --role it runs the scenarios and prints their tables; with --role it is
/// one of its own child processes (a Pymar worker, the raw reference's workers, a producer for the memory scenario).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }

        return options.Role switch
        {
            null => await RunHarnessAsync(options),
            "pymar-worker" => await ChildRoles.RunPymarWorkerAsync(options),
            "raw-worker" => await ChildRoles.RunRawWorkerAsync(options),
            "raw-compute-worker" => await ChildRoles.RunRawComputeWorkerAsync(options),
            "memory-producer" => await ChildRoles.RunMemoryProducerAsync(options),
            _ => 2,
        };
    }

    private static async Task<int> RunHarnessAsync(BenchmarkOptions options)
    {
        var started = Stopwatch.StartNew();
        var prefix = string.Create(CultureInfo.InvariantCulture, $"bench.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}.");
        var report = new Report(Console.Out);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        await DescribeMachineAsync(report, options, prefix);
        var scenarios = options.Scenario == "all" ? BenchmarkOptions.Scenarios : [options.Scenario];
        var status = 0;
        var context = new BenchContext(options, prefix, report) { Cancellation = cancel.Token };
        try
        {
            foreach (var scenario in scenarios)
            {
                await Quiet.WaitAsync(report, options.QuietWaitSeconds, cancel.Token);
                var scenarioStarted = Stopwatch.StartNew();
                var loadBefore = Quiet.LoadAverage();
                await Console.Error.WriteLineAsync($"running {scenario}…");
                await (scenario switch
                {
                    "latency" => RpcScenarios.RunLatencyAsync(context),
                    "throughput" => RpcScenarios.RunThroughputAsync(context),
                    "many-producers" => ManyProducersScenario.RunAsync(context),
                    "compute" => ComputeScenario.RunAsync(context),
                    "wire" => WireScenario.RunAsync(context),
                    "memory" => MemoryScenario.RunAsync(context),
                    "sql" => SqlPagingScenario.RunAsync(context),
                    "cluster" => ClusterScenario.RunAsync(context, asked: options.Scenario == "cluster"),
                    "stragglers" => StragglersScenario.RunAsync(context, asked: options.Scenario == "stragglers"),
                    _ => throw new InvalidOperationException(scenario),
                });
                var load = $"{loadBefore} -> {Quiet.LoadAverage()}";
                report.Machine[$"loadAverage.{scenario}"] = load;
                report.Line(string.Create(CultureInfo.InvariantCulture, $"({scenario} took {scenarioStarted.Elapsed.TotalSeconds:0.0} s; load average 1/5/15 min before -> after: {load})"));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"error: {ex}");
            status = 1;
        }
        finally
        {
            await context.DisposeAsync();
        }

        if (options.JsonPath is { } path)
        {
            await report.WriteJsonAsync(path, options.Arguments);
            report.Line($"figures written to {path}");
        }

        report.Line(string.Create(CultureInfo.InvariantCulture, $"benchmark {(status == 0 ? "done" : "FAILED")} in {started.Elapsed.TotalSeconds:0.0} s; queues {prefix}* deleted"));
        return status;
    }

    private static async Task DescribeMachineAsync(Report report, BenchmarkOptions options, string prefix)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        string broker;
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(options.Broker), ClientProvidedName = "bench probe" };
            await using var connection = await factory.CreateConnectionAsync();
            broker = connection.ServerProperties is { } p && p.TryGetValue("version", out var v) && v is byte[] bytes
                ? "RabbitMQ " + System.Text.Encoding.UTF8.GetString(bytes)
                : "RabbitMQ";
            await connection.CloseAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"cannot reach the broker at {options.Broker} (start it with deploy/rabbitmq/start-local.sh): {ex.Message}", ex);
        }

        var configuration = typeof(Program).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "?";
        report.Machine["cores"] = Environment.ProcessorCount;
        report.Machine["memoryGiB"] = Math.Round(memory, 1);
        report.Machine["cpu"] = cpu;
        report.Machine["os"] = RuntimeInformation.OSDescription;
        report.Machine["runtime"] = RuntimeInformation.FrameworkDescription;
        report.Machine["broker"] = broker + " at " + new Uri(options.Broker).Host;
        report.Machine["build"] = configuration;
        report.Machine["quick"] = options.Quick;
        report.Machine["queuePrefix"] = prefix;
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"Pymar.Hosting benchmarks: {Environment.ProcessorCount} cores ({cpu}), {memory:0.0} GiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {broker}, {configuration} build{(options.Quick ? ", QUICK sizes (a smoke test; the figures mean nothing)" : "")}"));
        if (configuration != "Release")
        {
            report.Line("warning: not a Release build; run with -c Release for figures that mean something");
        }
    }
}
