using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>One arm of a paired comparison: its name, the Pymar variant whose host and worker run it, and its fold.</summary>
/// <param name="Name">The arm's name in the tables.</param>
/// <param name="Variant">The arrangement whose producer host and worker process run the arm's jobs.</param>
/// <param name="ArrivalOrder">Whether the arm folds partials as they arrive instead of in slice order.</param>
/// <param name="Note">The arm's note in the table.</param>
internal sealed record PairedArm(string Name, PymarVariant Variant, bool ArrivalOrder, string Note);

/// <summary>What <see cref="PairedRounds.RunAsync"/> measured: the rate samples of both arms, round by round.</summary>
internal sealed class PairedResult(PairedArm arm, PairedArm reference, IReadOnlyList<double> armSamples, IReadOnlyList<double> referenceSamples, CpuLedger cpu, int generations)
{
    public PairedArm Arm => arm;

    public PairedArm Reference => reference;

    public IReadOnlyList<double> ArmSamples => armSamples;

    public IReadOnlyList<double> ReferenceSamples => referenceSamples;

    public CpuLedger Cpu => cpu;

    public int Generations => generations;

    /// <summary>Each round's rate of the arm / the reference's in the same round.</summary>
    public IReadOnlyList<double> Ratios { get; } = [.. armSamples.Zip(referenceSamples, (a, b) => a / b)];

    public double Paired => Stats.Of(Ratios).Median;

    public (double Low, double High) Interval => Stats.MedianInterval(Ratios);

    /// <summary>The ratio of the medians (less robust than <see cref="Paired"/> on a shared machine).</summary>
    public double OfMedians => Stats.Of(armSamples).Median / Stats.Of(referenceSamples).Median;

    /// <summary>The table of both arms' rates, the reference's median as the ratio's base.</summary>
    public ResultTable Table(string what, int rounds) =>
        new ResultTable(string.Create(CultureInfo.InvariantCulture, $"{what}: slices per second, the pair alone, {rounds} rounds in {generations} generation{(generations == 1 ? "" : "s")} of fresh processes"), "slices/s", reference.Name, $"median / {reference.Name} median, higher is better")
            .AddAll([(arm.Name, armSamples), (reference.Name, referenceSamples)], name => name == arm.Name ? arm.Note : reference.Note);

    /// <summary>The ratio of the medians, the paired median with its 90 % interval, and the number of rounds.</summary>
    public string Describe()
    {
        var (low, high) = Interval;
        return string.Create(CultureInfo.InvariantCulture,
            $"{OfMedians:0.00}x (paired {Paired:0.000}x, 90 % interval {low:0.000}x to {high:0.000}x, {Ratios.Count} rounds)");
    }

    /// <summary>A target line, met when the paired median is at least <paramref name="atLeast"/>.</summary>
    public string Target(string what, double atLeast) => string.Create(CultureInfo.InvariantCulture,
        $"target: {what} >= {atLeast:0.00}x: {Describe()}, {(Paired >= atLeast ? "met" : "MISSED")}");
}

/// <summary>
/// A paired comparison of two Pymar arrangements on the throughput job, judged to a few percent on a shared machine.
/// The rate of one job on a shared 2-core machine wanders by about ±10 %, and two identical worker processes can differ
/// by as much for their whole life (an A/A run of two identical host-and-worker pairs showed 0.97x and 1.07x): so the
/// pair runs alone, alternately, for many rounds spread over generations of fresh producer hosts and worker processes
/// (one generation per 6 rounds), each warmed by two full jobs, and the median of the per-round ratios comes with its
/// bootstrap 90 % interval and the CPU each process spent.
/// </summary>
internal static class PairedRounds
{
    /// <summary>How many generations of fresh processes <paramref name="rounds"/> rounds are spread over.</summary>
    public static int Generations(BenchmarkOptions options, int rounds) => options.Quick ? 1 : Math.Clamp(rounds / 6, 1, rounds);

    public static async Task<PairedResult> RunAsync(BenchContext context, string label, PairedArm arm, PairedArm reference, int slices, int rounds)
    {
        var cpu = new CpuLedger();
        var arms = new[] { arm, reference };
        var variants = arms.Select(a => a.Variant).Distinct().ToArray();
        var samples = arms.Select(_ => new List<double>()).ToArray();
        var generations = Generations(context.Options, rounds);
        for (var generation = 0; generation < generations; generation++)
        {
            // Fresh hosts and workers for each generation: a process's own speed varies by a few percent (see StopPymarAsync).
            var workers = new Dictionary<PymarVariant, int>();
            foreach (var variant in variants)
            {
                await context.StopPymarAsync(variant);
                workers[variant] = (await context.PymarWorkerAsync(variant)).Id;
                await context.PymarHostAsync(variant);
            }

            var pair = arms.Select(a => new Contender(a.Name, () => cpu.MeterAsync(a.Name, slices, workers[a.Variant], () => RateAsync(context, slices, a)))).ToList();
            var warmup = arms.Select(a => new Contender(a.Name, () => RateAsync(context, slices, a))).ToList();
            var inGeneration = (rounds / generations) + (generation < rounds % generations ? 1 : 0);
            // Two full jobs each: after one of 1,000 slices the first measured round of a fresh process still ran at half speed.
            await Alternation.RunAsync(warmup, 2, 0, $"{label} warm-up", context.Cancellation);
            var measured = await Alternation.RunAsync(pair, 0, inGeneration, $"{label}, generation {generation + 1} of {generations}", context.Cancellation);
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i].AddRange(measured[i].Samples);
            }
        }

        foreach (var variant in variants)
        {
            await context.StopPymarAsync(variant);
        }

        return new PairedResult(arm, reference, samples[0], samples[1], cpu, generations);
    }

    private static async Task<double> RateAsync(BenchContext context, int slices, PairedArm arm) =>
        slices / (await Alternation.TimeAsync(() => context.PymarTrivialJobAsync(slices, arm.Variant, arm.ArrivalOrder)) / 1000);
}
