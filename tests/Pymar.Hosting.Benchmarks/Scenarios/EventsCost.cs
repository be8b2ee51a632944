using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// What events cost (the aim: at most 5 % of throughput): the throughput job with events on against a twin with
/// events off, the two alone for <see cref="BenchmarkOptions.EventsRounds"/> rounds. Each has its own producer host and
/// worker process and runs once a round, so they differ only in events; the Pymar contender of the main table would not
/// do as the reference, its host and worker also serve the arrival-order contender and so run twice as often.
/// The rate of one job on a shared 2-core machine wanders by about ±10 %, and two identical worker processes can differ
/// by as much for their whole life (an A/A run showed 0.97x and 1.07x): so the rounds are spread over
/// <see cref="BenchmarkOptions.EventsGenerations"/> generations of fresh hosts and workers, and the median of the
/// per-round ratios comes with its bootstrap interval and the CPU each process spent.
/// </summary>
internal static class EventsCost
{
    public const string On = "Pymar.Hosting, events on";
    public const string Off = "Pymar.Hosting, events off (twin)";

    public static async Task RunAsync(BenchContext context, ScenarioResult result, int slices)
    {
        var options = context.Options;
        var cpu = new CpuLedger();
        var variants = new[] { (On, PymarVariant.Events), (Off, PymarVariant.EventsOff) };
        var samples = variants.Select(v => (Name: v.Item1, Samples: new List<double>())).ToList();
        var generations = Math.Min(options.EventsGenerations, options.EventsRounds);
        for (var generation = 0; generation < generations; generation++)
        {
            // Fresh hosts and workers for each generation: a process's own speed varies by a few percent (see StopPymarAsync).
            var pair = new List<Contender>();
            var warmup = new List<Contender>();
            foreach (var (name, variant) in variants)
            {
                await context.StopPymarAsync(variant);
                var worker = (await context.PymarWorkerAsync(variant)).Id;
                await context.PymarHostAsync(variant);
                pair.Add(new(name, () => cpu.MeterAsync(name, slices, worker, () => RateAsync(context, slices, variant))));
                warmup.Add(new(name, () => RateAsync(context, slices, variant)));
            }

            var rounds = (options.EventsRounds / generations) + (generation < options.EventsRounds % generations ? 1 : 0);
            // Two full jobs each: after one of 1,000 slices the first measured round of a fresh process still ran at half speed.
            await Alternation.RunAsync(warmup, 2, 0, "events warm-up", context.Cancellation);
            var measured = await Alternation.RunAsync(pair, 0, rounds, $"events on / off, generation {generation + 1} of {generations}", context.Cancellation);
            for (var i = 0; i < samples.Count; i++)
            {
                samples[i].Samples.AddRange(measured[i].Samples);
            }
        }

        foreach (var (_, variant) in variants)
        {
            await context.StopPymarAsync(variant);
        }

        result.Tables.Add(new ResultTable(string.Create(CultureInfo.InvariantCulture, $"what events cost: slices per second, the pair alone, {options.EventsRounds} rounds in {generations} generation{(generations == 1 ? "" : "s")} of fresh processes"), "slices/s", Off, "median / events off median, higher is better")
            .AddAll(samples.Select(s => (s.Name, (IReadOnlyList<double>)s.Samples)), name => name == On
                ? "UseRabbitMqEvents() on worker and producer (slice, job and heartbeat events on pymar.events); its own host and worker"
                : "the same with events off; its own host and worker"));

        var on = samples.Single(s => s.Name == On).Samples;
        var off = samples.Single(s => s.Name == Off).Samples;
        var ratios = on.Zip(off, (a, b) => a / b).ToList();
        var paired = Stats.Of(ratios).Median;
        var (low, high) = Stats.MedianInterval(ratios);
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"target: Pymar throughput with events on >= 0.95x events off: {Stats.Of(on).Median / Stats.Of(off).Median:0.00}x (paired {paired:0.000}x, 90 % interval {low:0.000}x to {high:0.000}x, {ratios.Count} rounds), {(paired >= 0.95 ? "met" : "MISSED")}"));

        var cpuOn = cpu.Medians(On);
        var cpuOff = cpu.Medians(Off);
        var cpuRatios = cpu.TotalMicroseconds(On).Zip(cpu.TotalMicroseconds(Off), (a, b) => a / b).ToList();
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"what events cost in CPU per slice (medians): harness {cpuOn.Harness - cpuOff.Harness:+0;-0} µs, worker {cpuOn.Worker - cpuOff.Worker:+0;-0} µs, broker {cpuOn.Broker - cpuOff.Broker:+0;-0} µs; paired {Stats.Of(cpuRatios).Median:0.000}x the CPU of events off ({cpu.Describe(On)}; {cpu.Describe(Off)})"));
    }

    private static async Task<double> RateAsync(BenchContext context, int slices, PymarVariant variant) =>
        slices / (await Alternation.TimeAsync(() => context.PymarTrivialJobAsync(slices, variant)) / 1000);
}
