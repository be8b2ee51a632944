using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// rabbitmqctl for the local broker, through deploy/rabbitmq/ctl.sh (found above the harness or the current
/// directory): per-connection byte counters and the run's queue and exchange names. Absent (null) when the script
/// is not found or the broker is not the local one.
/// </summary>
internal static partial class BrokerCtl
{
    private static readonly Lazy<string?> s_script = new(Find);

    public static bool Available => s_script.Value is not null;

    /// <summary>Bytes the broker received from (<c>Received</c>) and sent to (<c>Sent</c>) each Pymar connection, by process id.</summary>
    public static async Task<Dictionary<int, (long Received, long Sent)>?> PymarConnectionBytesAsync()
    {
        var output = await RunAsync("list_connections", "--no-table-headers", "-q", "client_properties", "recv_oct", "send_oct");
        if (output is null)
        {
            return null;
        }

        var bytes = new Dictionary<int, (long Received, long Sent)>();
        foreach (var line in output.Split('\n'))
        {
            var match = ConnectionLine().Match(line);
            if (match.Success)
            {
                // A process may hold several connections (the harness has one per Pymar host): add them up.
                var pid = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var (received, sent) = bytes.TryGetValue(pid, out var sum) ? sum : (0L, 0L);
                bytes[pid] = (received + long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), sent + long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
            }
        }

        return bytes;
    }

    /// <summary>The names of the broker's queues or exchanges (<paramref name="what"/>: list_queues or list_exchanges).</summary>
    public static async Task<string[]> NamesAsync(string what)
    {
        var output = await RunAsync(what, "--no-table-headers", "-q", "name");
        return output is null ? [] : output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<string?> RunAsync(params string[] arguments)
    {
        if (s_script.Value is not { } script)
        {
            return null;
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info);
        if (process is null)
        {
            return null;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.WaitForExitAsync(deadline.Token);
        await error;
        return process.ExitCode == 0 ? await output : null;
    }

    private static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "deploy", "rabbitmq", "ctl.sh");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    [GeneratedRegex("""\{"connection_name","pymar [^"/]*/(\d+)"\}\]\s+(\d+)\s+(\d+)""")]
    private static partial Regex ConnectionLine();
}
