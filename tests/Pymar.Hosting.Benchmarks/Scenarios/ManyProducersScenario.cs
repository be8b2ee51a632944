using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Benchmarks.Contenders;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// many-producers: <see cref="BenchmarkOptions.Producers"/> producers submit jobs of 4 trivial slices at once, each
/// one job after another, to the same worker process: Pymar's producers as that many generic hosts in the harness
/// (each its own ProducerClient, connection and reply inbox) against the Pymar worker process, and the raw reference
/// as that many raw RPC clients (each its own connection and reply queue) against the raw reference's workers. A round
/// starts every producer at once and ends when each has run <see cref="BenchmarkOptions.ProducerJobs"/> jobs; the
/// contenders' rounds alternate. Reported: job latency p50 and p99 over every job, and fairness between producers
/// (the spread of their p50s, and Jain's index of the jobs each completed while all of them were submitting).
/// </summary>
internal static class ManyProducersScenario
{
    private const int Slices = 4;

    public static async Task RunAsync(BenchContext context)
    {
        var options = context.Options;
        var hosts = new List<IHost>();
        var rawClients = new List<RawRpcClient>();
        try
        {
            await context.RawWorkerAsync();
            var contenders = new List<(string Name, Func<Task>[] Producers)>();
            for (var p = 0; p < options.Producers; p++)
            {
                var client = new RawRpcClient(new TraceLog());
                rawClients.Add(client);
                await client.StartAsync(options.Broker, context.Prefix, RawVariant.Minimal);
            }

            contenders.Add((RpcScenarios.Raw, [.. rawClients.Select(c => (Func<Task>)(async () => BenchContext.Check(RpcScenarios.Raw, Slices, await c.RunJobAsync(Slices, context.Cancellation))))]));
            contenders.Add((RpcScenarios.Pymar, await PymarProducersAsync(context, PymarVariant.Default, hosts)));
            if (options.Classic)
            {
                contenders.Add((RpcScenarios.PymarClassic, await PymarProducersAsync(context, PymarVariant.Classic, hosts)));
            }

            var jobs = contenders.ToDictionary(c => c.Name, _ => new List<JobTime>());
            var warmup = await SteadyWarmup.RunAsync([.. contenders.Select(c => new Contender(c.Name, () => RoundAsync(c.Producers, options.ProducerJobs, null)))],
                minRounds: 1, maxRounds: options.Quick ? 1 : 60, batch: 1, context.CompiledMethodsAsync, context.Cancellation);
            var rounds = await Alternation.RunAsync([.. contenders.Select(c => new Contender(c.Name, () => RoundAsync(c.Producers, options.ProducerJobs, jobs[c.Name])))],
                0, options.ProducerRounds, "many-producers", context.Cancellation);

            var result = new ScenarioResult("many-producers", string.Create(CultureInfo.InvariantCulture,
                $"{options.Producers} producers at once, each running {options.ProducerJobs} jobs of {Slices} trivial slices back to back per round, {options.ProducerRounds} rounds per contender after {warmup.Describe()}, alternately; Pymar: {options.Producers} producer hosts in the harness (each its own ProducerClient, connection and reply inbox) and the Pymar worker process ({options.Slots} slots); raw RPC: {options.Producers} clients (each its own connection and reply queue) and the raw reference's workers"));
            result.Tables.Add(new ResultTable("job latency, the median of each round", "ms", RpcScenarios.Raw, "median / reference median, lower is better")
                .AddAll(rounds, RpcScenarios.Note));

            double Latency(string name, double p) => Stats.Quantile(jobs[name].Select(j => j.Milliseconds), p);
            var rawP50 = Latency(RpcScenarios.Raw, 0.5);
            var rawP99 = Latency(RpcScenarios.Raw, 0.99);
            string Versus(string name) => string.Create(CultureInfo.InvariantCulture,
                $"p50 {Latency(name, 0.5):0.000} ms ({Latency(name, 0.5) / rawP50:0.00}x raw RPC), p99 {Latency(name, 0.99):0.000} ms ({Latency(name, 0.99) / rawP99:0.00}x)");
            var p50Ratio = Latency(RpcScenarios.Pymar, 0.5) / rawP50;
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"target: many producers, Pymar job latency p50 <= 1.1x raw RPC p50: {p50Ratio:0.00}x (p99 {Latency(RpcScenarios.Pymar, 0.99) / rawP99:0.00}x; Pymar {Versus(RpcScenarios.Pymar)}; raw RPC p50 {rawP50:0.000} ms, p99 {rawP99:0.000} ms; {jobs[RpcScenarios.Pymar].Count} jobs each), {(p50Ratio <= 1.1 ? "met" : "MISSED")}"));
            if (jobs.ContainsKey(RpcScenarios.PymarClassic))
            {
                result.Notes.Add($"{RpcScenarios.PymarClassic}: {Versus(RpcScenarios.PymarClassic)}");
            }

            var json = new JsonObject();
            foreach (var (name, _) in contenders)
            {
                var fairness = Fairness(jobs[name], options.Producers);
                result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"fairness, {name}: per-producer p50 {fairness.P50.Min():0.000} to {fairness.P50.Max():0.000} ms (max/min {fairness.P50.Max() / fairness.P50.Min():0.00}); jobs completed while all {options.Producers} were submitting: {fairness.Completed.Min():0} to {fairness.Completed.Max():0} per producer, Jain's index {fairness.Jain:0.000}"));
                json[name] = new JsonObject
                {
                    ["jobs"] = jobs[name].Count,
                    ["p50Ms"] = Report.Number(Latency(name, 0.5)),
                    ["p99Ms"] = Report.Number(Latency(name, 0.99)),
                    ["perProducerP50Ms"] = new JsonArray([.. fairness.P50.Select(Report.Number)]),
                    ["completedWhileAllSubmitted"] = new JsonArray([.. fairness.Completed.Select(Report.Number)]),
                    ["jainIndex"] = Report.Number(fairness.Jain),
                };
            }

            result.Extra["byContender"] = json;
            context.Report.Add(result);
        }
        finally
        {
            foreach (var client in rawClients)
            {
                await client.DisposeAsync();
            }

            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }
        }
    }

    /// <summary>Producer hosts of <paramref name="variant"/>, each as a user would build it, and one job on each.</summary>
    private static async Task<Func<Task>[]> PymarProducersAsync(BenchContext context, PymarVariant variant, List<IHost> hosts)
    {
        var options = context.Options;
        await context.PymarWorkerAsync(variant);
        var jobs = new Func<Task>[options.Producers];
        for (var p = 0; p < jobs.Length; p++)
        {
            var host = PymarHosts.Build(options.Broker, context.PrefixOf(variant), options.IntegralDx, workerSlots: null, new TraceLog(),
                variant == PymarVariant.Classic ? "classic" : "quorum");
            hosts.Add(host);
            await host.StartAsync(context.Cancellation);
            jobs[p] = () => BenchContext.TrivialJobAsync(host, Slices, arrivalOrder: false, context.Cancellation);
        }

        return jobs;
    }

    /// <summary>
    /// One round: every producer starts at once and runs <paramref name="jobsEach"/> jobs back to back; returns the
    /// median job latency of the round (ms) and adds every job's times to <paramref name="sink"/>.
    /// </summary>
    private static async Task<double> RoundAsync(Func<Task>[] producers, int jobsEach, List<JobTime>? sink)
    {
        var round = sink is null ? -1 : sink.Count / Math.Max(1, producers.Length * jobsEach);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = producers.Select((job, p) => Task.Run(async () =>
        {
            await gate.Task;
            var times = new List<JobTime>(jobsEach);
            for (var j = 0; j < jobsEach; j++)
            {
                var start = Stopwatch.GetTimestamp();
                await job();
                times.Add(new JobTime(p, round, start, Stopwatch.GetTimestamp()));
            }

            return times;
        })).ToArray();
        gate.SetResult();
        var all = (await Task.WhenAll(running)).SelectMany(t => t).ToList();
        sink?.AddRange(all);
        return Stats.Of(all.Select(j => j.Milliseconds)).Median;
    }

    /// <summary>
    /// Per producer: its p50 over every round, and the jobs it completed while every producer was still submitting
    /// (in each round, until the first producer ran its last job); Jain's index of those counts.
    /// </summary>
    private static (double[] P50, double[] Completed, double Jain) Fairness(List<JobTime> jobs, int producers)
    {
        var p50 = Enumerable.Range(0, producers).Select(p => Stats.Of(jobs.Where(j => j.Producer == p).Select(j => j.Milliseconds)).Median).ToArray();
        var completed = new double[producers];
        foreach (var round in jobs.GroupBy(j => j.Round))
        {
            var allSubmitting = round.GroupBy(j => j.Producer).Min(g => g.Max(j => j.End));
            foreach (var job in round.Where(j => j.End <= allSubmitting))
            {
                completed[job.Producer]++;
            }
        }

        return (p50, completed, Stats.JainIndex(completed));
    }

    /// <summary>One job as a producer saw it: which producer, which measured round, and its start and end stamps.</summary>
    private readonly record struct JobTime(int Producer, int Round, long Start, long End)
    {
        public double Milliseconds => Stopwatch.GetElapsedTime(Start, End).TotalMilliseconds;
    }
}
