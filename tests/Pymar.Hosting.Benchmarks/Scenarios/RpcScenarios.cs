using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pymar.Hosting.Benchmarks.Contenders;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// latency and throughput: jobs of trivial slices through Pymar.Hosting, the raw RabbitMQ.Client RPC reference (and
/// its variant with Pymar's guarantees) and MassTransit, each with its workers in a child process of its own with the
/// same number of consumer slots.
/// </summary>
internal static class RpcScenarios
{
    public const string Raw = "raw RPC (reference)";
    public const string RawDurable = "raw RPC, Pymar's guarantees";
    public const string RawQuorum = "raw RPC on a quorum queue";
    public const string Pymar = "Pymar.Hosting";
    public const string PymarClassic = "Pymar.Hosting, classic queues";
    public const string MassTransit = "MassTransit 8.5.12";
    public const string Celery = "Celery 5.2";

    public static async Task RunLatencyAsync(BenchContext context)
    {
        var options = context.Options;
        var contenders = await ContendersAsync(context, slices: 4, rate: false);
        var warmup = await SteadyWarmup.RunAsync(contenders, options.LatencyWarmup, options.LatencyWarmupMax, SteadyWarmup.ShortRoundsBatch, context.CompiledMethodsAsync, context.Cancellation);
        var samples = await Alternation.RunAsync(contenders, 0, options.LatencyJobs, "latency", context.Cancellation);
        var result = new ScenarioResult("latency", string.Create(CultureInfo.InvariantCulture,
            $"a job of 4 trivial slices (each returns a number); {options.LatencyJobs} jobs per contender after {warmup.Describe()}, run alternately; {Arrangement(options)}"));
        result.Tables.Add(new ResultTable("time per job", "ms", Raw, "median / reference median, lower is better").AddAll(samples, Note));
        AddTargets(result, samples, latency: true);
        if (options.Breakdown)
        {
            await BreakdownAsync(context, result, slices: 4, jobs: Math.Min(options.LatencyJobs, options.BreakdownJobs), withMean: false);
        }

        context.Report.Add(result);
    }

    public static async Task RunThroughputAsync(BenchContext context)
    {
        var options = context.Options;
        var slices = options.ThroughputSlices;
        var cpu = new CpuLedger();
        var contenders = await ContendersAsync(context, slices, rate: true, cpu);
        var warmup = await ContendersAsync(context, Math.Min(slices, 1000), rate: true);
        await Alternation.RunAsync(warmup, 1, 0, "throughput warm-up", context.Cancellation);
        var samples = await Alternation.RunAsync(contenders, 0, options.ThroughputRounds, "throughput", context.Cancellation);
        var result = new ScenarioResult("throughput", string.Create(CultureInfo.InvariantCulture,
            $"one job of {slices:#,0} trivial slices; {options.ThroughputRounds} jobs per contender after a warm-up job of {Math.Min(slices, 1000):#,0}, run alternately; {Arrangement(options)}"));
        result.Tables.Add(new ResultTable("slices per second", "slices/s", Raw, "median / reference median, higher is better").AddAll(samples, Note));
        AddTargets(result, samples, latency: false);
        AddCpu(result, cpu);
        await AllocationsAsync(context, result, slices);
        if (options.OrderingContender)
        {
            await OrderingCost.RunAsync(context, result, slices);
        }

        if (options.EventsContender)
        {
            await EventsCost.RunAsync(context, result, slices);
        }

        if (options.Breakdown)
        {
            await BreakdownAsync(context, result, slices, jobs: 1, withMean: true);
        }

        context.Report.Add(result);
    }

    private static string Arrangement(BenchmarkOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"{(options.WhatIfPrefetch is { } p ? $"EXPERIMENT: Pymar workers consume with prefetch {p} instead of {options.Slots}; " : "")}every contender's workers run in a separate process with {options.Slots} consumer slots (Pymar: holding {options.Slots} + a lookahead of 2 to 32 slices, by its rate; raw: {options.Slots} consumers with prefetch {options.RawPrefetch}), its client in the harness (MassTransit's in a child process of its own, timed there)");

    internal static string? Note(string name) => name switch
    {
        Raw => "classic queue, transient messages, no confirms, ack after reply",
        RawDurable => "quorum queue, persistent, confirms on slices and replies",
        RawQuorum => "the reference on a quorum queue (Pymar's default): the least that queue type costs",
        Pymar => "WorkerService, RabbitMqTransport (defaults: quorum queue)",
        PymarClassic => "the same with Pymar:Broker:QueueType=classic",
        MassTransit => "request client, Task.WhenAll; defaults (durable, confirms)",
        Celery => "group of tasks, prefork worker, acks late, prefetch 1 per process, rpc backend; defaults (classic durable queue, persistent, no confirms)",
        _ => null,
    };

    private static void AddTargets(ScenarioResult result, List<(string Name, IReadOnlyList<double> Samples)> samples, bool latency)
    {
        var median = samples.ToDictionary(s => s.Name, s => Stats.Of(s.Samples).Median);
        if (latency)
        {
            result.Notes.Add(Target(samples, "Pymar on classic queues <= 1.1x raw RPC", PymarClassic, Raw, r => r <= 1.1, "--no-classic"));
            result.Notes.Add(Target(samples, "Pymar with its defaults <= 0.9x raw RPC on a quorum queue", Pymar, RawQuorum, r => r <= 0.9, null));
        }
        else
        {
            result.Notes.Add(Target(samples, "Pymar throughput >= 1.0x raw RPC", Pymar, Raw, r => r >= 1.0, null));
        }

        if (median.TryGetValue(MassTransit, out var mt))
        {
            var versus = latency ? mt / median[Pymar] : median[Pymar] / mt;
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"Pymar vs. MassTransit: {versus:0.00}x {(latency ? "faster" : "the rate")}"));
        }

        if (median.TryGetValue(Celery, out var celery))
        {
            var versus = latency ? celery / median[Pymar] : median[Pymar] / celery;
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"Pymar vs. Celery: {versus:0.00}x {(latency ? "faster" : "the rate")}"));
        }

        if (median.TryGetValue(RawQuorum, out var quorum))
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"the quorum queue's own cost: raw RPC on a quorum queue / raw RPC {(latency ? quorum / median[Raw] : median[Raw] / quorum):0.00}x slower; Pymar vs. raw RPC on a quorum queue: {median[Pymar] / quorum:0.00}x"));
        }

        if (median.TryGetValue(RawDurable, out var durable))
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Pymar vs. raw RPC with the same guarantees: {median[Pymar] / durable:0.00}x"));
        }
    }

    /// <summary>
    /// A target line on the medians of two contenders of the same run (the ratio of the medians decides; the paired
    /// median of the per-round ratios is shown beside it); "not measured" when one of them was left out by <paramref name="leftOutBy"/>.
    /// </summary>
    private static string Target(List<(string Name, IReadOnlyList<double> Samples)> samples, string what, string contender, string reference, Func<double, bool> met, string? leftOutBy)
    {
        var of = samples.ToDictionary(s => s.Name, s => s.Samples);
        if (!of.TryGetValue(contender, out var a) || !of.TryGetValue(reference, out var b))
        {
            return $"target: {what}: not measured ({leftOutBy ?? "contender missing"})";
        }

        var ratio = Stats.Of(a).Median / Stats.Of(b).Median;
        var paired = Stats.Of(a.Zip(b, (x, y) => x / y)).Median;
        return string.Create(CultureInfo.InvariantCulture, $"target: {what}: {ratio:0.00}x (paired {paired:0.00}x), {(met(ratio) ? "met" : "MISSED")}");
    }

    /// <summary>
    /// The bytes the producer side allocates per slice, Pymar's and the raw reference's: GC.GetTotalAllocatedBytes(precise)
    /// of the harness process before and after each job, in a pass where each contender's jobs run alone (one job at a
    /// time; the other clients in the harness idle, MassTransit's and Celery's clients in processes of their own), so
    /// the process's allocations in that window are that producer's, on every thread its async work ran on.
    /// </summary>
    private static async Task AllocationsAsync(BenchContext context, ScenarioResult result, int slices)
    {
        var raw = await context.RawClientAsync(RawVariant.Minimal);
        var cancellation = context.Cancellation;
        var runs = new (string Name, Func<Task> Job)[]
        {
            (Raw, async () => BenchContext.Check(Raw, slices, await raw.RunJobAsync(slices, cancellation))),
            (Pymar, () => context.PymarTrivialJobAsync(slices)),
        };
        var perSlice = new List<(string Name, IReadOnlyList<double> Samples)>();
        using var sampler = context.Options.AllocationTypes ? new AllocationSampler() : null;
        foreach (var (name, job) in runs)
        {
            var bytes = new List<double>();
            for (var i = 0; i < context.Options.AllocationJobs; i++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                sampler?.Sample(name == Pymar);
                await job();
                sampler?.Sample(false);
                bytes.Add((GC.GetTotalAllocatedBytes(precise: true) - before) / (double)slices);
            }

            perSlice.Add((name, bytes));
        }

        if (sampler is not null)
        {
            result.Notes.Add("Pymar's producer allocations by type, sampled (B per slice): " + sampler.Describe(slices * (long)context.Options.AllocationJobs, top: 16));
        }

        result.Tables.Add(new ResultTable(string.Create(CultureInfo.InvariantCulture, $"producer allocations per slice (the harness process, each contender's jobs alone, {context.Options.AllocationJobs} job(s) each)"),
            "B", Raw, "median / reference median, lower is better").AddAll(perSlice, name => name == Pymar ? "ProducerClient.MapAsync: slicing, serializing, publishing, the reply inbox, the fold" : "publish, reply consumer, sum"));
        var pymar = Stats.Of(perSlice.Single(p => p.Name == Pymar).Samples).Median;
        var reference = Stats.Of(perSlice.Single(p => p.Name == Raw).Samples).Median;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"target: producer allocations <= 1.5 KiB per slice: {pymar / 1024:0.00} KiB (raw RPC {reference / 1024:0.00} KiB, {pymar / reference:0.0}x), {(pymar <= 1.5 * 1024 ? "met" : "MISSED")}"));
    }

    /// <summary>
    /// The CPU per slice of each contender metered in <see cref="ContendersAsync"/>: a steadier measure of a change's
    /// cost than the rate on a shared machine, split by process.
    /// </summary>
    private static void AddCpu(ScenarioResult result, CpuLedger cpu)
    {
        if (!cpu.Contenders.Contains(Raw))
        {
            return;
        }

        result.Tables.Add(new ResultTable("CPU per slice: harness (client side) + worker process + broker", "µs", Raw, "median / reference median, lower is better")
            .AddAll(cpu.Contenders.Select(name => (name, cpu.TotalMicroseconds(name))), _ => null));
        result.Notes.Add("CPU per slice by process (medians): " + string.Join("; ", cpu.Contenders.Select(cpu.Describe)));
    }

    internal static async Task<List<Contender>> ContendersAsync(BenchContext context, int slices, bool rate, CpuLedger? cpu = null)
    {
        var options = context.Options;
        await context.PymarWorkerAsync();
        await context.PymarHostAsync();
        if (options.Classic)
        {
            await context.PymarWorkerAsync(PymarVariant.Classic);
            await context.PymarHostAsync(PymarVariant.Classic);
        }

        var raw = await context.RawClientAsync(RawVariant.Minimal);
        var durable = await context.RawClientAsync(RawVariant.Durable);
        var quorum = await context.RawClientAsync(RawVariant.Quorum);
        var cancellation = context.Cancellation;
        double Sample(double milliseconds) => rate ? slices / (milliseconds / 1000) : milliseconds;

        var rawWorker = (await context.RawWorkerAsync()).Id;
        var pymarWorker = (await context.PymarWorkerAsync()).Id;

        // A contender of ours: timed, and metered when a ledger is given.
        Contender Ours(string name, int workerPid, Func<Task> job) => new(name, () => cpu is null
            ? TimedAsync(job)
            : cpu.MeterAsync(name, slices, workerPid, () => TimedAsync(job)));
        async Task<double> TimedAsync(Func<Task> job) => Sample(await Alternation.TimeAsync(job));

        var contenders = new List<Contender>
        {
            Ours(Raw, rawWorker, async () => BenchContext.Check(Raw, slices, await raw.RunJobAsync(slices, cancellation))),
            Ours(RawQuorum, rawWorker, async () => BenchContext.Check(RawQuorum, slices, await quorum.RunJobAsync(slices, cancellation))),
            Ours(RawDurable, rawWorker, async () => BenchContext.Check(RawDurable, slices, await durable.RunJobAsync(slices, cancellation))),
            Ours(Pymar, pymarWorker, () => context.PymarTrivialJobAsync(slices)),
        };
        if (options.Classic)
        {
            contenders.Add(Ours(PymarClassic, (await context.PymarWorkerAsync(PymarVariant.Classic)).Id, () => context.PymarTrivialJobAsync(slices, PymarVariant.Classic)));
        }

        if (options.MassTransit)
        {
            var massTransit = await context.MassTransitAsync();
            contenders.Add(new(MassTransit, async () =>
            {
                // MassTransit's numbers are a request's index + 1, as the others'.
                var (elapsed, sum) = await massTransit.RunJobAsync(slices, TimeSpan.FromMinutes(10));
                BenchContext.Check(MassTransit, slices, sum);
                return Sample(elapsed.TotalMilliseconds);
            }));
        }

        if (options.Celery)
        {
            if (CeleryContender.IsAvailable())
            {
                var celery = await context.CeleryAsync();
                contenders.Add(new(Celery, async () =>
                {
                    var (elapsed, sum) = await celery.RunJobAsync(slices, TimeSpan.FromMinutes(10));
                    BenchContext.Check(Celery, slices, sum);
                    return Sample(elapsed.TotalMilliseconds);
                }));
            }
            else
            {
                Console.Error.WriteLine("note: no Celery contender: /usr/bin/python3 cannot import celery (apt-get install python3-celery), or pass --no-celery");
            }
        }

        return contenders;
    }

    /// <summary>A traced pass after the measured one: where each contender's time goes, stage by stage.</summary>
    private static async Task BreakdownAsync(BenchContext context, ScenarioResult result, int slices, int jobs, bool withMean)
    {
        var pymarWorker = await context.PymarWorkerAsync();
        var rawWorker = await context.RawWorkerAsync();
        var raw = await context.RawClientAsync(RawVariant.Minimal);
        var durable = await context.RawClientAsync(RawVariant.Durable);
        var quorum = await context.RawClientAsync(RawVariant.Quorum);
        var cancellation = context.Cancellation;
        var classicWorker = context.Options.Classic ? await context.PymarWorkerAsync(PymarVariant.Classic) : null;
        var runs = new List<(string Name, Func<Task> Run)>
        {
            (Pymar, () => context.PymarTrivialJobAsync(slices)),
            (Raw, async () => BenchContext.Check(Raw, slices, await raw.RunJobAsync(slices, cancellation))),
            (RawDurable, async () => BenchContext.Check(RawDurable, slices, await durable.RunJobAsync(slices, cancellation))),
            (RawQuorum, async () => BenchContext.Check(RawQuorum, slices, await quorum.RunJobAsync(slices, cancellation))),
        };
        if (classicWorker is not null)
        {
            runs.Add((PymarClassic, () => context.PymarTrivialJobAsync(slices, PymarVariant.Classic)));
        }

        var workers = new[] { pymarWorker, rawWorker, classicWorker }.OfType<ChildProcess>().ToList();

        var timeout = TimeSpan.FromSeconds(30);
        foreach (var worker in workers)
        {
            await worker.CommandAsync("trace on", timeout);
        }

        context.Trace.Drain();
        context.Trace.Enabled = true;
        var traced = new List<TracedJob>();
        try
        {
            for (var j = 0; j < jobs; j++)
            {
                foreach (var (name, run) in runs)
                {
                    var start = Stopwatch.GetTimestamp();
                    await run();
                    traced.Add(new TracedJob(name, start, Stopwatch.GetTimestamp()));
                }
            }
        }
        finally
        {
            context.Trace.Enabled = false;
            foreach (var worker in workers)
            {
                await worker.CommandAsync("trace off", timeout);
            }
        }

        var events = context.Trace.Drain().ToList();
        foreach (var worker in workers)
        {
            var dump = Path.Combine(context.ScratchDirectory, $"worker-{worker.Id}.trace");
            await worker.CommandAsync("dump " + dump, timeout);
            events.AddRange(await TraceLog.ReadAsync(dump));
        }

        var slots = context.Options.Slots;
        var analysis = Breakdown.Analyze(traced, events, name => name is Pymar or PymarClassic ? context.Options.WhatIfPrefetch ?? slots : slots * context.Options.RawPrefetch);
        string[] shown = context.Options.Classic ? [Pymar, PymarClassic, Raw, RawQuorum, RawDurable] : [Pymar, Raw, RawQuorum, RawDurable];

        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"where the time goes (a traced pass of {jobs} job(s) per contender after the measured ones; producer stamps in the harness, worker stamps in the worker process, one monotonic clock):"));
        text.Append(Breakdown.Format(analysis, shown, withMean));
        if (!withMean)
        {
            foreach (var name in new[] { Pymar, Raw })
            {
                var ofContender = traced.Where(t => t.Contender == name).OrderBy(t => t.End - t.Start).ToList();
                if (ofContender.Count > 0)
                {
                    text.AppendLine("the median job's timeline:");
                    text.Append(Breakdown.Timeline(ofContender[ofContender.Count / 2], events));
                }
            }
        }
        else
        {
            foreach (var name in shown)
            {
                text.AppendLine(Rates(name, traced.Where(t => t.Contender == name).ToList(), events, slices));
            }
        }

        result.Notes.Add(text.ToString().TrimEnd());
        result.Notes.AddRange(Breakdown.Targets(analysis, context.Options.Classic, underLoad: withMean));
        result.Extra["breakdown"] = Breakdown.ToJson(analysis);
    }

    /// <summary>For a large job: how fast the producer published, and how fast the workers answered.</summary>
    private static string Rates(string name, List<TracedJob> jobs, List<TraceEvent> events, int slices)
    {
        if (jobs.Count == 0)
        {
            return "";
        }

        var job = jobs[0];
        var inJob = events.Where(e => e.Timestamp >= job.Start && e.Timestamp <= job.End).ToList();
        double Span(TraceKind from, TraceKind to)
        {
            var a = inJob.Where(e => e.Kind == from).Select(e => e.Timestamp).DefaultIfEmpty(0).Min();
            var b = inJob.Where(e => e.Kind == to).Select(e => e.Timestamp).DefaultIfEmpty(0).Max();
            return a == 0 || b == 0 ? double.NaN : Stopwatch.GetElapsedTime(a, b).TotalSeconds;
        }

        var publish = Span(TraceKind.PublishStart, TraceKind.PublishEnd);
        var work = Span(TraceKind.Deliver, TraceKind.AckEnd);
        var replies = Span(TraceKind.PublishStart, TraceKind.ReplyArrive);
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name}: job {Stopwatch.GetElapsedTime(job.Start, job.End).TotalSeconds:0.000} s; publishing all slices took {publish:0.000} s ({slices / publish:#,0}/s); workers busy from first delivery to last ack {work:0.000} s ({slices / work:#,0}/s); last reply {replies:0.000} s after the first publish");
    }
}
