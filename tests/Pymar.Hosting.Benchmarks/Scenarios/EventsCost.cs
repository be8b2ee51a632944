using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// What events cost (the aim: at most 5 % of throughput): the throughput job with events on against a twin with
/// events off, the two alone for <see cref="BenchmarkOptions.EventsRounds"/> paired rounds (<see cref="PairedRounds"/>).
/// Each has its own producer host and worker process and runs once a round, so they differ only in events; the Pymar
/// contender of the main table would not do as the reference, its host and worker also serve the traced pass.
/// </summary>
internal static class EventsCost
{
    public const string On = "Pymar.Hosting, events on";
    public const string Off = "Pymar.Hosting, events off (twin)";

    public static async Task RunAsync(BenchContext context, ScenarioResult result, int slices)
    {
        var rounds = context.Options.EventsRounds;
        var pair = await PairedRounds.RunAsync(context, "events on / off",
            new PairedArm(On, PymarVariant.Events, ArrivalOrder: false, "UseRabbitMqEvents() on worker and producer (slice, job and heartbeat events on pymar.events); its own host and worker"),
            new PairedArm(Off, PymarVariant.EventsOff, ArrivalOrder: false, "the same with events off; its own host and worker"),
            slices, rounds);
        result.Tables.Add(pair.Table("what events cost", rounds));
        result.Notes.Add(pair.Target("Pymar throughput with events on / events off", 0.95));

        var cpu = pair.Cpu;
        var cpuOn = cpu.Medians(On);
        var cpuOff = cpu.Medians(Off);
        var cpuRatios = cpu.TotalMicroseconds(On).Zip(cpu.TotalMicroseconds(Off), (a, b) => a / b).ToList();
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"what events cost in CPU per slice (medians): harness {cpuOn.Harness - cpuOff.Harness:+0;-0} µs, worker {cpuOn.Worker - cpuOff.Worker:+0;-0} µs, broker {cpuOn.Broker - cpuOff.Broker:+0;-0} µs; paired {Stats.Of(cpuRatios).Median:0.000}x the CPU of events off ({cpu.Describe(On)}; {cpu.Describe(Off)})"));
    }
}
