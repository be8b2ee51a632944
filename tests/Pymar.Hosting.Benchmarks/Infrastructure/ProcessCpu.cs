using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// CPU time used by the processes of a contender's job, read from <c>/proc/PID/stat</c> (user + system, all threads)
/// before and after it: the harness (its client side), its worker process and the broker (every <c>beam.smp</c>).
/// Wall time on a shared 2-core machine wanders by ±10 % from run to run; the CPU a job takes wanders much less, so
/// it shows what a change costs when the rate alone cannot.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: 100 on every Linux this runs on (the kernel fixes it for /proc).
    private const double TicksPerSecond = 100;

    /// <summary>
    /// The CPU time of each process now (a process that is gone counts as zero), and the bytes the harness has
    /// allocated; <paramref name="brokerPids"/> from <see cref="BrokerPids"/>.
    /// </summary>
    public static CpuTimes Read(int workerPid, IReadOnlyList<int> brokerPids) => new(
        Of(Environment.ProcessId),
        Of(workerPid),
        brokerPids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + Of(pid)),
        GC.GetTotalAllocatedBytes(precise: true));

    /// <summary>The CPU time of <paramref name="pid"/>, zero when it cannot be read (not Linux, or exited).</summary>
    public static TimeSpan Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }

        // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
        // state is field 3, utime field 14, stime field 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The broker's processes (every <c>beam.smp</c>): looked up once, not before and after each job.</summary>
    public static IEnumerable<int> BrokerPids()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string comm;
            try
            {
                comm = File.ReadAllText(Path.Combine(directory, "comm")).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (comm == "beam.smp")
            {
                yield return pid;
            }
        }
    }
}

/// <summary>CPU time of the harness, a contender's worker process and the broker, and the bytes the harness allocated.</summary>
internal readonly record struct CpuTimes(TimeSpan Harness, TimeSpan Worker, TimeSpan Broker, long HarnessAllocated)
{
    public TimeSpan Total => Harness + Worker + Broker;

    public static CpuTimes operator -(CpuTimes after, CpuTimes before) =>
        new(after.Harness - before.Harness, after.Worker - before.Worker, after.Broker - before.Broker, after.HarnessAllocated - before.HarnessAllocated);
}
