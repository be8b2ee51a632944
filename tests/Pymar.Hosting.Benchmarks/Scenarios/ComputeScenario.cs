using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Model;
using Pymar.Hosting.Slicing;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// compute: the Python original's integral of exp on [1, 10] (9×10^8 points at dx = 1e-8) through Pymar.Hosting with its
/// workers in a separate process (--slots slots), vs. one thread and vs. Parallel.For over the processor count in
/// the harness, for the iterator-style producer (Map/Reduce over iterators) and for the fast path (ComputeSlice).
/// Every contender runs the very same producer, data source and loop code.
/// </summary>
internal static class ComputeScenario
{
    private const string OneThread = "one thread";
    private const string ParallelFor = "Parallel.For";
    private const string Pymar = "Pymar.Hosting";

    public static async Task RunAsync(BenchContext context)
    {
        var options = context.Options;
        await context.PymarWorkerAsync();
        var host = await context.PymarHostAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var iterators = host.Services.GetRequiredService<IntegralProducer>();
        var fast = host.Services.GetRequiredService<FastIntegralProducer>();
        var spec = host.Services.GetRequiredService<IntegralSpec>();
        var source = new IntegralSource(spec);
        var length = source.GetLength();
        var processors = Environment.ProcessorCount;
        var answers = new Dictionary<string, double>(StringComparer.Ordinal);
        var mapOptions = new MapOptions { SliceCount = options.ComputeSlices };

        double IteratorStyle(SliceWindow window) => iterators.Reduce(iterators.Map(source.Read(window)));
        double FastPath(SliceWindow window) => FastIntegral.Sum(window, spec.Dx);

        async Task<double> Timed(string name, Func<Task<double>> run)
        {
            var answer = 0.0;
            var ms = await Alternation.TimeAsync(async () => answer = await run());
            answers[name] = answer;
            return ms;
        }

        static Task<double> OnOneThread(Func<double> compute) =>
            Task.Factory.StartNew(compute, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Task<double> OnAllProcessors(Func<SliceWindow, double> compute, Func<IEnumerable<double>, double> reduce) => OnOneThread(() =>
        {
            var windows = Slicer.Cut(length, processors);
            var partials = new double[windows.Count];
            Parallel.For(0, windows.Count, new ParallelOptions { MaxDegreeOfParallelism = processors }, i => partials[i] = compute(windows[i]));
            return reduce(partials);
        });

        var all = new SliceWindow(0, length);
        var contenders = new List<Contender>
        {
            new($"{OneThread}, iterator-style", () => Timed($"{OneThread}, iterator-style", () => OnOneThread(() => IteratorStyle(all)))),
            new($"{ParallelFor}, iterator-style", () => Timed($"{ParallelFor}, iterator-style", () => OnAllProcessors(IteratorStyle, iterators.Reduce))),
            new($"{Pymar}, iterator-style", () => Timed($"{Pymar}, iterator-style", () => client.MapAsync(iterators, DataSourceFactory<double>.For<IntegralSource>(), mapOptions, context.Cancellation))),
            new($"{OneThread}, fast path", () => Timed($"{OneThread}, fast path", () => OnOneThread(() => FastPath(all)))),
            new($"{ParallelFor}, fast path", () => Timed($"{ParallelFor}, fast path", () => OnAllProcessors(FastPath, values => values.Sum()))),
            new($"{Pymar}, fast path", () => Timed($"{Pymar}, fast path", () => client.MapAsync(fast, DataSourceFactory<double>.For<IntegralSource>(), mapOptions, context.Cancellation))),
        };

        // Warm-up: every contender once on the quick size's worth of work is not possible for Pymar (the length is the
        // data source's), so the warm-up round is a full round, left out of the figures.
        // CPU-bound rounds suffer most from other work on a shared machine: each round waits (a minute at most) for it to be idle.
        var busyRounds = 0;
        var samples = await Alternation.RunAsync(contenders, warmupRounds: 1, options.ComputeRounds, "compute", context.Cancellation,
            async () => busyRounds += await Quiet.WaitAsync(null, Math.Min(60, options.QuietWaitSeconds), context.Cancellation) ? 0 : 1);
        var bySample = samples.ToDictionary(s => s.Name, s => s.Samples);

        var result = new ScenarioResult("compute", string.Create(CultureInfo.InvariantCulture,
            $"integral of exp on [1, 10], dx = {spec.Dx:G3} ({length:#,0} points); {options.ComputeRounds} run(s) per contender after a warm-up run, alternately; Pymar: {options.ComputeSlices} slices, workers in a separate process with {options.Slots} slots; Parallel.For over {processors} processor(s); one thread: a dedicated thread in the harness"));
        foreach (var style in new[] { "iterator-style", "fast path" })
        {
            var names = new[] { $"{OneThread}, {style}", $"{ParallelFor}, {style}", $"{Pymar}, {style}" };
            var table = new ResultTable(style == "iterator-style" ? "iterator-style user code (Map/Reduce over iterators)" : "the fast path (ComputeSlice over slice.Window)",
                "ms", names[1], "median / Parallel.For median, lower is better");
            table.AddAll(names.Select(n => (n, bySample[n])), n => n.StartsWith(Pymar, StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"speedup over one thread {Stats.Of(bySample[names[0]]).Median / Stats.Of(bySample[n]).Median:0.00}x")
                : n.StartsWith(ParallelFor, StringComparison.Ordinal)
                    ? string.Create(CultureInfo.InvariantCulture, $"speedup over one thread {Stats.Of(bySample[names[0]]).Median / Stats.Of(bySample[n]).Median:0.00}x")
                    : null);
            result.Tables.Add(table);
            var ratio = Stats.Of(bySample[names[2]]).Median / Stats.Of(bySample[names[1]]).Median;
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"target ({style}): Pymar <= 1.10x Parallel.For: {ratio:0.00}x, {(ratio <= 1.10 ? "met" : "MISSED")}"));
        }

        var expected = Math.Exp(IntegralSpec.End) - Math.Exp(IntegralSpec.Start);
        foreach (var (name, answer) in answers)
        {
            if (Math.Abs(answer - expected) / expected > 1e-3)
            {
                throw new InvalidOperationException($"compute: {name} answered {answer}, far from e^10 - e = {expected}");
            }
        }

        if (busyRounds > 0)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"warning: {busyRounds} of {options.ComputeRounds} round(s) started while the machine was busy with other work"));
        }

        result.Notes.Add("answers: " + string.Join("; ", answers.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key} {a.Value:F4}"))));
        result.Extra["points"] = length;
        result.Extra["dx"] = spec.Dx;
        context.Report.Add(result);
    }
}
