using System.Diagnostics;

namespace Pymar.Hosting.Workers;

/// <summary>
/// This process's CPU load between two samples: its CPU time over the wall time times the processor count, from 0 (idle)
/// to 1 (every processor busy with this process). Real time on both sides, since CPU time is real.
/// </summary>
internal sealed class ProcessCpuLoad
{
    private long _since = Stopwatch.GetTimestamp();
    private TimeSpan _cpuSince = Environment.CpuUsage.TotalTime;

    /// <summary>The load since the last sample (or since this was made).</summary>
    public double Sample()
    {
        var now = Stopwatch.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        var wall = Stopwatch.GetElapsedTime(_since, now);
        var used = cpu - _cpuSince;
        _since = now;
        _cpuSince = cpu;
        return wall <= TimeSpan.Zero ? 0 : Math.Clamp(used / (wall * Environment.ProcessorCount), 0, 1);
    }
}
