using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Model;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// The harness's child processes. Workers print <c>ready</c> once they consume, then answer commands on stdin
/// (<c>trace on</c>, <c>trace off</c>, <c>dump PATH</c>, <c>counters</c>, <c>reset</c>, and <c>jit</c>: the methods
/// compiled so far) until <c>quit</c> or the end of stdin.
/// </summary>
internal static class ChildRoles
{
    /// <summary>A Pymar.Hosting worker host: a WorkerService with --slots slots serving every benchmark producer.</summary>
    public static async Task<int> RunPymarWorkerAsync(BenchmarkOptions options)
    {
        using var host = PymarHosts.Build(options.Broker, options.Prefix!, options.IntegralDx, options.Slots, queueType: options.QueueType, prefetchOverride: options.WhatIfPrefetch, events: options.Events);
        await host.StartAsync();
        await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(TimeSpan.FromSeconds(60));
        await ServeCommandsAsync(host.Services.GetRequiredService<TraceLog>(), host.Services.GetRequiredService<WireCounters>());
        await host.StopAsync();
        return 0;
    }

    /// <summary>The raw reference's workers (both variants).</summary>
    public static async Task<int> RunRawWorkerAsync(BenchmarkOptions options)
    {
        var trace = new TraceLog();
        await using var worker = new RawRpcWorker(trace);
        await worker.StartAsync(options.Broker, options.Prefix!, options.Slots, options.RawPrefetch);
        await ServeCommandsAsync(trace, new WireCounters());
        return 0;
    }

    /// <summary>The raw reference's compute worker of the stragglers scenario (one consumer).</summary>
    public static async Task<int> RunRawComputeWorkerAsync(BenchmarkOptions options)
    {
        await using var worker = new RawComputeWorker();
        await worker.StartAsync(options.Broker, options.Prefix!, options.IntegralDx);
        await ServeCommandsAsync(new TraceLog(), new WireCounters());
        return 0;
    }

    /// <summary>
    /// A fresh producer process for the memory scenario: runs one trivial job of --slices slices against the
    /// running Pymar worker and prints <c>done</c>, the time in nanoseconds, the peak working set, the bytes
    /// allocated and the managed heap size after the job.
    /// </summary>
    public static async Task<int> RunMemoryProducerAsync(BenchmarkOptions options)
    {
        var slices = options.Slices ?? 10_000;
        using var host = PymarHosts.Build(options.Broker, options.Prefix!, options.IntegralDx, workerSlots: null);
        await host.StartAsync();
        host.Services.GetRequiredService<TrivialJob>().Length = slices;
        var client = host.Services.GetRequiredService<ProducerClient>();
        var producer = host.Services.GetRequiredService<TrivialProducer>();
        var started = Stopwatch.GetTimestamp();
        var sum = await client.MapAsync(producer, DataSourceFactory<long>.For<TrivialSource>(), new MapOptions { SliceCount = slices });
        var elapsed = Stopwatch.GetElapsedTime(started);
        BenchContext.Check("Pymar.Hosting", slices, sum);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var peak = self.PeakWorkingSet64;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        await host.StopAsync();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {elapsed.Ticks * 100} {peak} {allocated} {heap}"));
        return 0;
    }

    private static async Task ServeCommandsAsync(TraceLog trace, WireCounters counters)
    {
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            string answer;
            if (line == "trace on")
            {
                trace.Enabled = true;
                answer = "ok";
            }
            else if (line == "trace off")
            {
                trace.Enabled = false;
                answer = "ok";
            }
            else if (line.StartsWith("dump ", StringComparison.Ordinal))
            {
                await TraceLog.WriteAsync(line[5..], trace.Drain());
                answer = "ok";
            }
            else if (line == "jit")
            {
                answer = "ok " + System.Runtime.JitInfo.GetCompiledMethodCount().ToString(CultureInfo.InvariantCulture);
            }
            else if (line == "counters")
            {
                answer = "ok " + counters.Read();
            }
            else if (line == "reset")
            {
                counters.Reset();
                counters.Enabled = true;
                answer = "ok";
            }
            else
            {
                answer = "error unknown command";
            }

            Console.Out.WriteLine(answer);
            Console.Out.Flush();
        }
    }
}
