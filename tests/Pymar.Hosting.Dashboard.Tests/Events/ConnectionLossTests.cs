using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Events;

/// <summary>
/// The dashboard when the broker drops its connection (as in a broker restart: the connection and the dashboard's
/// exclusive queue are gone). The broker closes only this test process's connections, so other test runs on the same
/// broker (and the fault-test broker's own tests) are not touched.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ConnectionLossTests
{
    private const string BrokerUri = "amqp://guest:guest@127.0.0.1:5672/";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DashboardKeepsShowingAWorkerWhoseHeartbeatsReturnAfterTheBrokerDroppedEveryConnection()
    {
        using var dashboard = Build(b => b.AddDashboard());
        using var worker = Build(_ => { });
        await dashboard.StartAsync();
        await worker.StartAsync();
        var state = dashboard.Services.GetRequiredService<DashboardState>();
        var bus = worker.Services.GetRequiredService<IPymarEventBus>();
        var id = "reconnect-" + Guid.NewGuid().ToString("N")[..8] + "/1";

        await BeatUntilAsync(bus, state, id, done: 1);
        var closed = await CloseThisProcessConnectionsAsync();
        Assert.True(closed >= 2, $"closed {closed} connections; expected the dashboard's and the worker's");

        await BeatUntilAsync(bus, state, id, done: 2);
        Assert.Equal("ok", state.Snapshot().Workers.Single(w => w.Id == id).State);

        await worker.StopAsync();
        await dashboard.StopAsync();
    }

    private static IHost Build(Action<IPymarBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder.Services.AddPymar().UseRabbitMqEvents(o => o.Uri = BrokerUri));
        return builder.Build();
    }

    // A heartbeat sent while the connection is still recovering is lost (events are transient), so keep sending until one arrives.
    private static async Task BeatUntilAsync(IPymarEventBus bus, DashboardState state, string id, long done)
    {
        var clock = Stopwatch.StartNew();
        while (!state.Snapshot().Workers.Any(w => w.Id == id && w.SlicesDone == done))
        {
            Assert.True(clock.Elapsed < s_timeout, $"Waited {s_timeout.TotalSeconds:0} s for heartbeat {done} of {id} to reach the dashboard.");
            try
            {
                await bus.PublishAsync(SimulatedWork.Heartbeat(id, DateTimeOffset.UtcNow, 0, done, 1));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Still reconnecting.
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Has the broker close every connection this process opened (their client-provided name ends in its pid).</summary>
    private static async Task<int> CloseThisProcessConnectionsAsync()
    {
        var marker = $"/{Environment.ProcessId}\"";
        var list = await CtlAsync("list_connections", "-q", "pid", "client_properties");
        var pids = list.Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal)).Select(line => line.Split('\t')[0].Trim()).ToList();
        foreach (var pid in pids)
        {
            await CtlAsync("close_connection", pid, "dashboard test: connection lost");
        }

        return pids.Count;
    }

    private static async Task<string> CtlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "deploy", "rabbitmq", "ctl.sh")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var ctl = Process.Start(info)!;
        var output = ctl.StandardOutput.ReadToEndAsync();
        var error = ctl.StandardError.ReadToEndAsync();
        await ctl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(ctl.ExitCode == 0, $"ctl.sh {string.Join(' ', arguments)} exited {ctl.ExitCode}: {await output}{await error}");
        return await output;
    }
}
