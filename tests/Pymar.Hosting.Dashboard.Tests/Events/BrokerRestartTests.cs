using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Events;

/// <summary>
/// The dashboard across a restart of the fault-test broker (deploy/rabbitmq/start-chaos.sh, 5673). Run these under
/// <c>flock /tmp/pymar-chaos.lock</c> so no other fault test restarts that broker at the same time.
/// </summary>
public sealed class BrokerRestartTests
{
    private const string ChaosUri = "amqp://guest:guest@127.0.0.1:5673/";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DashboardKeepsShowingAWorkerWhoseHeartbeatsReturnAfterABrokerRestart()
    {
        using var dashboard = Build(b => b.AddDashboard());
        using var worker = Build(_ => { });
        await dashboard.StartAsync();
        await worker.StartAsync();
        var state = dashboard.Services.GetRequiredService<DashboardState>();
        var bus = worker.Services.GetRequiredService<IPymarEventBus>();
        var id = "restart-" + Guid.NewGuid().ToString("N")[..8] + "/1";

        await BeatUntilAsync(bus, state, id, done: 1);
        await CtlAsync("stop_app");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await bus.PublishAsync(Beat(id, 2)));
        }
        finally
        {
            await CtlAsync("start_app");
        }

        await BeatUntilAsync(bus, state, id, done: 3);
        Assert.Equal("ok", state.Snapshot().Workers.Single(w => w.Id == id).State);

        await worker.StopAsync();
        await dashboard.StopAsync();
    }

    private static IHost Build(Action<IPymarBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder.Services.AddPymar().UseRabbitMqEvents(o => o.Uri = ChaosUri));
        return builder.Build();
    }

    private static PymarEvent Beat(string id, long done) => SimulatedWork.Heartbeat(id, DateTimeOffset.UtcNow, 0, done, 1) with { Host = "restart", ProcessId = 1 };

    // A heartbeat sent while the connection is still recovering is lost (events are transient), so keep sending until one arrives.
    private static async Task BeatUntilAsync(IPymarEventBus bus, DashboardState state, string id, long done)
    {
        var clock = Stopwatch.StartNew();
        while (!state.Snapshot().Workers.Any(w => w.Id == id && w.SlicesDone == done))
        {
            Assert.True(clock.Elapsed < s_timeout, $"Waited {s_timeout.TotalSeconds:0} s for heartbeat {done} of {id} to reach the dashboard.");
            try
            {
                await bus.PublishAsync(Beat(id, done));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Still reconnecting.
            }

            await Task.Delay(200);
        }
    }

    private static async Task CtlAsync(string command)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "deploy", "rabbitmq", "ctl-chaos.sh")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(command);
        using var ctl = Process.Start(info)!;
        var output = ctl.StandardOutput.ReadToEndAsync();
        var error = ctl.StandardError.ReadToEndAsync();
        await ctl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(ctl.ExitCode == 0, $"ctl-chaos.sh {command} exited {ctl.ExitCode}: {await output}{await error}");
    }
}
