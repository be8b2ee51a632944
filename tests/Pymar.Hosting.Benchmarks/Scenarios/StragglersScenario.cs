using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Benchmarks.Contenders;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Model;
using Pymar.Hosting.Slicing;
using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// stragglers: the compute job (4 slices of the integral, fast-path loop) on two worker processes of
/// one slot each; then the same job with one worker stopped (SIGSTOP) as soon as it has started a slice. Pymar runs
/// with its default straggler options; the raw RPC reference and MassTransit have nothing like them, so their job
/// waits for the broker to drop the stopped worker's connection (the heartbeat) or for ever. Every stalled run has
/// a time limit and is reported as not finished past it. Each contender gets fresh processes and queues.
/// </summary>
internal static class StragglersScenario
{
    private const int Slices = 4;
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(BenchContext context, bool asked)
    {
        var options = context.Options;
        if (options.Quick && !asked)
        {
            context.Report.Line("\n== stragglers: skipped by `all --quick` (run `stragglers --quick` for a small run)");
            return;
        }

        var prefix = context.Prefix + "stall.";
        var dx = options.IntegralDx;
        var length = new IntegralSource(new IntegralSpec(dx)).GetLength();
        var windows = Slicer.Cut(length, Slices);
        var limit = options.StragglerLimit;
        var result = new ScenarioResult("stragglers", string.Create(CultureInfo.InvariantCulture,
            $"integral of exp on [1, 10], dx = {dx:G3}, {Slices} slices on 2 worker processes of 1 slot; then the same job with one worker stopped (SIGSTOP) inside a slice, limit {limit.TotalSeconds:0} s; fresh processes per contender, one warm-up job first"));
        try
        {
            await RunContenderAsync(result, "Pymar.Hosting", limit, () => PymarAsync(options, prefix, dx), context.Cancellation);
            await RunContenderAsync(result, "raw RabbitMQ.Client RPC", limit, () => RawAsync(options, prefix, dx, windows), context.Cancellation);
            if (options.MassTransit)
            {
                await RunContenderAsync(result, "MassTransit 8.5", limit, () => MassTransitAsync(options, prefix, dx, windows), context.Cancellation);
            }
        }
        finally
        {
            await DeleteAsync(options.Broker, prefix);
        }

        result.Notes.Add("Pymar copies a slice once a slice published after it started longer ago than 4x the median slice time (at least 5 s), and cancels the losing copy when the first answer arrives; the others have no such rule.");
        context.Report.Add(result);
    }

    private static async Task RunContenderAsync(ScenarioResult result, string name, TimeSpan limit, Func<Task<Setup>> start, CancellationToken cancellationToken)
    {
        await Console.Error.WriteLineAsync($"stragglers: {name}…");
        var setup = await start();
        var stopped = false;
        try
        {
            var expected = Math.Exp(IntegralSpec.End) - Math.Exp(IntegralSpec.Start);
            Check(name, expected, await setup.RunAsync(cancellationToken));
            var clock = Stopwatch.StartNew();
            Check(name, expected, await setup.RunAsync(cancellationToken));
            var noStall = clock.Elapsed;

            var worker = setup.Workers[0];
            var before = worker.Lines.Count(IsStarted);
            using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeLimit.CancelAfter(limit);
            clock.Restart();
            var job = setup.RunAsync(timeLimit.Token);
            await worker.WaitForLineAsync(_ => worker.Lines.Count(IsStarted) > before, s_startTimeout, "that the first worker started a slice");
            Signal("STOP", worker.Id);
            stopped = true;
            TimeSpan? stalled = null;
            try
            {
                Check(name, expected, await job);
                stalled = clock.Elapsed;
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                // Past the limit: reported as such.
            }

            result.Notes.Add(stalled is { } took
                ? string.Create(CultureInfo.InvariantCulture, $"{name}: no stall {noStall.TotalSeconds:0.00} s; one worker stopped: {took.TotalSeconds:0.00} s ({took / noStall:0.00}x the job without the stall)")
                : string.Create(CultureInfo.InvariantCulture, $"{name}: no stall {noStall.TotalSeconds:0.00} s; one worker stopped: did not finish within {limit.TotalSeconds:0} s"));
            result.Extra[name] = new System.Text.Json.Nodes.JsonObject
            {
                ["noStallMs"] = Report.Number(noStall.TotalMilliseconds),
                ["stalledMs"] = stalled is { } ms ? Report.Number(ms.TotalMilliseconds) : null,
                ["limitMs"] = Report.Number(limit.TotalMilliseconds),
            };
        }
        finally
        {
            if (stopped)
            {
                Signal("CONT", setup.Workers[0].Id);
            }

            await setup.DisposeAsync();
        }
    }

    private static async Task<Setup> PymarAsync(BenchmarkOptions options, string prefix, double dx)
    {
        var workers = await StartWorkersAsync("pymar-stall-worker", ["--role", "pymar-worker", "--broker", options.Broker, "--prefix", prefix, "--queue-type", "quorum", "--slots", "1", "--dx", dx.ToString("R", CultureInfo.InvariantCulture)]);
        var host = PymarHosts.Build(options.Broker, prefix, dx, workerSlots: null);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var producer = host.Services.GetRequiredService<StallIntegralProducer>();
        return new Setup(
            workers,
            ct => client.MapAsync(producer, DataSourceFactory<double>.For<IntegralSource>(), new MapOptions { SliceCount = Slices }, ct),
            async () =>
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            });
    }

    private static async Task<Setup> RawAsync(BenchmarkOptions options, string prefix, double dx, IReadOnlyList<SliceWindow> windows)
    {
        var workers = await StartWorkersAsync("raw-stall-worker", ["--role", "raw-compute-worker", "--broker", options.Broker, "--prefix", prefix, "--dx", dx.ToString("R", CultureInfo.InvariantCulture)]);
        var client = new RawComputeClient();
        await client.StartAsync(options.Broker, prefix);
        return new Setup(workers, ct => client.RunAsync(windows, ct), () => client.DisposeAsync().AsTask());
    }

    private static async Task<Setup> MassTransitAsync(BenchmarkOptions options, string prefix, double dx, IReadOnlyList<SliceWindow> windows)
    {
        var path = MassTransitContender.ProgramPath;
        string[] common = ["--compute", "--broker", options.Broker, "--prefix", prefix, "--slots", "1"];
        var workers = new[] { BenchChild.StartDll("mt-stall-worker-1", path, ["worker", .. common]), BenchChild.StartDll("mt-stall-worker-2", path, ["worker", .. common]) };
        var client = BenchChild.StartDll("mt-stall-client", path, ["client", .. common]);
        await Task.WhenAll(workers.Append(client).Select(p => p.WaitForOutputAsync("ready", s_startTimeout)));
        var command = string.Create(CultureInfo.InvariantCulture, $"integral {dx:R} {string.Join(' ', windows.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Offset}:{w.Limit}")))}");
        return new Setup(
            workers,
            async ct =>
            {
                // The client times nothing we need; the harness's clock counts the job. A client past the limit is killed.
                var answer = await client.CommandAsync(command, TimeSpan.FromHours(1)).WaitAsync(ct);
                var parts = answer.Split(' ');
                return parts.Length == 3 && parts[0] == "done"
                    ? double.Parse(parts[2], CultureInfo.InvariantCulture)
                    : throw new InvalidOperationException($"the MassTransit client answered '{answer}'");
            },
            () => client.DisposeAsync().AsTask());
    }

    private static async Task<ChildProcess[]> StartWorkersAsync(string name, string[] arguments) =>
        await Task.WhenAll(BenchChild.StartSelfReadyAsync(name + "-1", arguments, s_startTimeout), BenchChild.StartSelfReadyAsync(name + "-2", arguments, s_startTimeout));

    private static bool IsStarted(string line) => line.StartsWith("started ", StringComparison.Ordinal);

    private static void Check(string name, double expected, double answer)
    {
        if (Math.Abs(answer - expected) / expected > 1e-3)
        {
            throw new InvalidOperationException($"stragglers: {name} answered {answer}, far from e^10 - e = {expected}");
        }
    }

    private static void Signal(string signal, int processId)
    {
        using var kill = Process.Start("kill", [$"-{signal}", processId.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Deletes the scenario's queues and exchanges by the names its contenders declare.</summary>
    private static async Task DeleteAsync(string broker, string prefix)
    {
        string[] queues = [.. BenchModel.ProducerNames.Select(n => prefix + n), prefix + "dead-letter", RawComputeWorker.WorkQueue(prefix), prefix + "mt-compute", prefix + "mt-compute_error", prefix + "mt-compute_skipped"];
        string[] exchanges = [prefix + "control", prefix + "mt-compute", prefix + "mt-compute-command", prefix + "mt-compute-answer"];
        await BenchContext.DeleteAsync(broker, "bench stragglers cleanup", queues, exchanges, $"the stragglers scenario's queues ({prefix}*)");
    }

    /// <summary>A contender's two worker processes, its job, and what stops the rest of it.</summary>
    private sealed record Setup(ChildProcess[] Workers, Func<CancellationToken, Task<double>> RunAsync, Func<Task> StopAsync) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            foreach (var worker in Workers)
            {
                await worker.DisposeAsync();
            }
        }
    }
}
