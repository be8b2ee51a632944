using System.Diagnostics;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>What the dashboard's broker-fault tests share: heartbeats sent until one arrives, and <c>rabbitmqctl</c>.</summary>
internal static class BrokerFaults
{
    /// <summary>
    /// Sends heartbeat number <paramref name="done"/> of worker <paramref name="id"/> every 200 ms until the dashboard
    /// shows it. A heartbeat sent while the broker is down or a connection is recovering is lost (events are
    /// transient), so one that arrives shows both ends connected and the dashboard subscribed.
    /// </summary>
    public static async Task BeatUntilAsync(IPymarEventBus bus, DashboardState state, string id, long done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!state.Snapshot().Workers.Any(w => w.Id == id && w.SlicesDone == done))
        {
            Assert.True(clock.Elapsed < timeout, $"Waited {timeout.TotalSeconds:0} s for heartbeat {done} of {id} to reach the dashboard.");
            try
            {
                await bus.PublishAsync(SimulatedWork.Heartbeat(id, DateTimeOffset.UtcNow, 0, done, 1));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The broker is down or the connection is still recovering.
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Runs <c>deploy/rabbitmq/<paramref name="script"/></c> (ctl.sh or ctl-chaos.sh) and returns its output; fails on a non-zero exit.</summary>
    public static async Task<string> CtlAsync(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "deploy", "rabbitmq", script)) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var ctl = Process.Start(info)!;
        var output = ctl.StandardOutput.ReadToEndAsync();
        var error = ctl.StandardError.ReadToEndAsync();
        await ctl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(ctl.ExitCode == 0, $"{script} {string.Join(' ', arguments)} exited {ctl.ExitCode}: {await output}{await error}");
        return await output;
    }
}
