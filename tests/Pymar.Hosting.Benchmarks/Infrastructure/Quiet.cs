using System.Diagnostics;
using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>The machine is shared (a 2-core box where others build and test): waits for it to be idle, and says how busy it was.</summary>
internal static class Quiet
{
    /// <summary>
    /// Waits until the machine has been at least 85 % idle for 5 seconds in a row (from /proc/stat), or for
    /// <paramref name="seconds"/>: on a shared 2-core machine, other builds and tests skew every figure.
    /// </summary>
    public static async Task<bool> WaitAsync(Report? report, int seconds, CancellationToken cancellationToken)
    {
        if (seconds <= 0 || !File.Exists("/proc/stat"))
        {
            return true;
        }

        static (long Idle, long Total) Sample()
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return (fields[3] + fields[4], fields.Sum());
        }

        var waited = Stopwatch.StartNew();
        var quiet = 0;
        var previous = Sample();
        while (quiet < 5 && waited.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(1000, cancellationToken);
            var now = Sample();
            var idle = (double)(now.Idle - previous.Idle) / Math.Max(1, now.Total - previous.Total);
            previous = now;
            quiet = idle >= 0.85 ? quiet + 1 : 0;
        }

        if (report is not null && waited.Elapsed.TotalSeconds > 6)
        {
            var waitedSeconds = waited.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            report.Line(quiet >= 5
                ? $"(waited {waitedSeconds} s for the machine to be idle)"
                : $"warning: the machine was still busy with other work after {waitedSeconds} s (load average {LoadAverage()}); the figures below are skewed");
        }

        return quiet >= 5;
    }

    /// <summary>The 1, 5 and 15 minute load averages: the machine is shared, so the figures say how quiet it was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
