using System.Globalization;
using System.Text.Json.Nodes;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// memory: the producer process's peak working set for jobs of many trivial slices. Each job runs in a fresh child
/// process (a producer host with no workers) against the Pymar worker process; a 4-slice job gives the baseline.
/// </summary>
internal static class MemoryScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var options = context.Options;
        await context.PymarWorkerAsync();
        var sizes = options.MemorySlices;
        var peak = sizes.ToDictionary(s => s, _ => new List<double>());
        var allocated = sizes.ToDictionary(s => s, _ => new List<double>());
        var heap = sizes.ToDictionary(s => s, _ => new List<double>());
        var seconds = sizes.ToDictionary(s => s, _ => new List<double>());
        for (var round = 0; round < options.MemoryRounds; round++)
        {
            foreach (var slices in sizes)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var child = BenchChild.StartSelf($"producer {slices}", [.. context.ChildArguments("memory-producer"), "--slices", slices.ToString(CultureInfo.InvariantCulture)]);
                await using (child)
                {
                    var output = await child.ReadToEndAsync(TimeSpan.FromMinutes(10));
                    var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith("done ", StringComparison.Ordinal))
                        ?? throw new InvalidOperationException($"the producer of {slices} slices exited with code {child.ExitCode} and no figures: {output}");
                    var parts = line.Split(' ');
                    seconds[slices].Add(long.Parse(parts[1], CultureInfo.InvariantCulture) / 1e9);
                    peak[slices].Add(long.Parse(parts[2], CultureInfo.InvariantCulture) / 1048576.0);
                    allocated[slices].Add(long.Parse(parts[3], CultureInfo.InvariantCulture) / 1048576.0);
                    heap[slices].Add(long.Parse(parts[4], CultureInfo.InvariantCulture) / 1048576.0);
                }
            }
        }

        string Name(int slices) => string.Create(CultureInfo.InvariantCulture, $"{slices:#,0} slices");
        var result = new ScenarioResult("memory", string.Create(CultureInfo.InvariantCulture,
            $"peak working set (Process.PeakWorkingSet64) of a fresh producer process running one job of trivial slices against the Pymar worker process; {options.MemoryRounds} process(es) per size, alternately"));
        result.Tables.Add(new ResultTable("producer peak working set", "MiB", Name(sizes[0]), "median / baseline median")
            .AddAll(sizes.Select(s => (Name(s), (IReadOnlyList<double>)peak[s])), name =>
            {
                var s = sizes.First(x => Name(x) == name);
                return string.Create(CultureInfo.InvariantCulture,
                    $"allocated {Stats.Of(allocated[s]).Median:#,0.0} MiB in all, heap after {Stats.Of(heap[s]).Median:#,0.0} MiB, job {Stats.Of(seconds[s]).Median:0.000} s");
            }));
        var small = Stats.Of(peak[sizes[1]]).Median;
        var large = Stats.Of(peak[sizes[2]]).Median;
        var growth = large - small;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"target: producer memory flat from {sizes[1]:#,0} to {sizes[2]:#,0} slices: +{growth:0.0} MiB ({large / small:0.00}x), {(growth <= Math.Max(10, 0.1 * small) ? "met" : "MISSED")} (flat = within 10 MiB or 10 %)"));
        var json = new JsonObject();
        foreach (var s in sizes)
        {
            json[s.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["allocatedMiBMedian"] = Report.Number(Stats.Of(allocated[s]).Median),
                ["heapAfterMiBMedian"] = Report.Number(Stats.Of(heap[s]).Median),
                ["jobSecondsMedian"] = Report.Number(Stats.Of(seconds[s]).Median),
            };
        }

        result.Extra["bySlices"] = json;
        context.Report.Add(result);
    }
}
