using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// What the ordered fold costs (the aim: at most 5 % of throughput): Pymar folds partials in slice order (the order
/// reduce_fn sees); folding them as they arrive (an internal switch, not Pymar's semantics) is the least a fold can
/// cost. Both arms run on one producer host and one worker process of their own (<see cref="PymarVariant.Ordering"/>),
/// so they differ only in the fold, for <see cref="BenchmarkOptions.OrderingRounds"/> paired rounds over generations of
/// fresh processes (<see cref="PairedRounds"/>). With <c>--ordering-aa</c> both arms fold in slice order: the spread
/// that run shows is what the method itself gives.
/// </summary>
internal static class OrderingCost
{
    public const string Ordered = "Pymar.Hosting, ordered fold";
    public const string Arrival = "Pymar.Hosting, fold in arrival order";
    public const string OrderedTwin = "Pymar.Hosting, ordered fold (A/A twin)";

    public static async Task RunAsync(BenchContext context, ScenarioResult result, int slices)
    {
        var options = context.Options;
        var rounds = options.OrderingRounds;
        var reference = options.OrderingAa
            ? new PairedArm(OrderedTwin, PymarVariant.Ordering, ArrivalOrder: false, "A/A: the same ordered fold on the same host and worker")
            : new PairedArm(Arrival, PymarVariant.Ordering, ArrivalOrder: true, "partials folded as they arrive (not Pymar's semantics); the same host and worker");
        var pair = await PairedRounds.RunAsync(context, options.OrderingAa ? "ordering A/A" : "ordered / arrival order",
            new PairedArm(Ordered, PymarVariant.Ordering, ArrivalOrder: false, "Pymar's fold in slice order; a host and worker of its own, shared with the other arm"),
            reference, slices, rounds);
        result.Tables.Add(pair.Table(options.OrderingAa ? "A/A of the ordering pair" : "what ordering costs", rounds));
        result.Notes.Add(options.OrderingAa
            ? "A/A, not a target (both arms fold in slice order on the same host and worker; the method's own spread): " + pair.Describe()
            : pair.Target("Pymar throughput with the ordered fold / folding in arrival order", 0.95));
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"the ordering pair's CPU per slice (medians): {pair.Cpu.Describe(Ordered)}; {pair.Cpu.Describe(reference.Name)}"));
    }
}
