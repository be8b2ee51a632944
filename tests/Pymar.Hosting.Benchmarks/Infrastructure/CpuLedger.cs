using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>The CPU time each measured job of a contender took (<see cref="ProcessCpu"/>), per slice.</summary>
internal sealed class CpuLedger
{
    private readonly Dictionary<string, List<CpuTimes>> _perSlice = [];
    private readonly int[] _brokerPids = [.. ProcessCpu.BrokerPids()];

    public IReadOnlyList<string> Contenders => [.. _perSlice.Keys];

    /// <summary>Runs one job of <paramref name="slices"/> slices and notes what it cost each process.</summary>
    public async Task<double> MeterAsync(string name, int slices, int workerPid, Func<Task<double>> run)
    {
        var before = ProcessCpu.Read(workerPid, _brokerPids);
        var sample = await run();
        var used = ProcessCpu.Read(workerPid, _brokerPids) - before;
        if (!_perSlice.TryGetValue(name, out var jobs))
        {
            _perSlice[name] = jobs = [];
        }

        jobs.Add(new CpuTimes(used.Harness / slices, used.Worker / slices, used.Broker / slices, used.HarnessAllocated / slices));
        return sample;
    }

    /// <summary>Each job's CPU per slice of every process together, in µs.</summary>
    public IReadOnlyList<double> TotalMicroseconds(string name) => [.. _perSlice[name].Select(t => t.Total.TotalMicroseconds)];

    /// <summary>The median µs per slice of each process.</summary>
    public (double Harness, double Worker, double Broker) Medians(string name)
    {
        var jobs = _perSlice[name];
        return (Stats.Of(jobs.Select(t => t.Harness.TotalMicroseconds)).Median,
            Stats.Of(jobs.Select(t => t.Worker.TotalMicroseconds)).Median,
            Stats.Of(jobs.Select(t => t.Broker.TotalMicroseconds)).Median);
    }

    /// <summary>One line: a contender's median µs per slice by process, and the bytes per slice its client side allocated.</summary>
    public string Describe(string name)
    {
        var (harness, worker, broker) = Medians(name);
        var allocated = Stats.Of(_perSlice[name].Select(t => (double)t.HarnessAllocated)).Median;
        return string.Create(CultureInfo.InvariantCulture, $"{name}: harness {harness:0} µs ({allocated / 1024:0.0} KiB allocated), worker {worker:0} µs, broker {broker:0} µs");
    }
}
