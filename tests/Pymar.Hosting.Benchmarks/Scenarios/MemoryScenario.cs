using System.Globalization;
using System.Text.Json.Nodes;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// memory: the producer process's peak working set for jobs of many trivial slices. Each job runs in a fresh child
/// process (a producer host with no workers) against the Pymar worker process; a 4-slice job gives the baseline, then
/// 10^4, 10^5 and 10^6 slices (smaller with --quick). The target is on the growth from 10^4 to 10^5 slices with the
/// runtime's default GC settings; the growth from 10^5 to 10^6 is reported beside it.
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
                    // 10^6 slices take minutes on a loaded 2-core machine: a millisecond per slice on top of the 10 minutes.
                    var output = await child.ReadToEndAsync(TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(slices));
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
        var median = sizes.Select(s => Stats.Of(peak[s]).Median).ToArray();
        var growth = median[2] - median[1];
        var gc = GcSettings();
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"target: peak working set growth from {sizes[1]:#,0} to {sizes[2]:#,0} slices <= 16 MiB ({gc}): {growth:+0.0;-0.0} MiB ({median[2] / median[1]:0.00}x), {(growth <= 16 ? "met" : "MISSED")}"));
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"peak working set growth from {sizes[2]:#,0} to {sizes[3]:#,0} slices (reported, no target): {median[3] - median[2]:+0.0;-0.0} MiB ({median[3] / median[2]:0.00}x); from the {sizes[0]:#,0}-slice baseline to {sizes[3]:#,0}: {median[3] - median[0]:+0.0;-0.0} MiB"));
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
        result.Extra["growthMiB"] = new JsonObject
        {
            [string.Create(CultureInfo.InvariantCulture, $"{sizes[1]}-{sizes[2]}")] = Report.Number(median[2] - median[1]),
            [string.Create(CultureInfo.InvariantCulture, $"{sizes[2]}-{sizes[3]}")] = Report.Number(median[3] - median[2]),
        };
        result.Extra["gcSettings"] = gc;
        context.Report.Add(result);
    }

    /// <summary>
    /// "default GC settings", or the GC settings the producer processes inherit from the environment
    /// (<c>DOTNET_GC*</c>, <c>DOTNET_gc*</c>, <c>COMPlus_GC*</c>), which the target's figure then does not describe.
    /// </summary>
    private static string GcSettings()
    {
        var set = Environment.GetEnvironmentVariables().Keys.OfType<string>()
            .Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || k.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .ToList();
        return set.Count == 0 ? "default GC settings" : "NOT the default GC settings: " + string.Join(", ", set);
    }
}
