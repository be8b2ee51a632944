using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;

namespace Pymar.Hosting.Dashboard.Tests.Events;

/// <summary>
/// The dashboard across a real broker restart, on the disposable fault-test broker (<c>./deploy/rabbitmq/start-chaos.sh</c>,
/// 127.0.0.1:5673): the node's application is stopped and started again, so every connection, the events exchange's
/// bindings and the dashboard's exclusive queue are gone. Tests of other projects restart that broker too, so this one
/// holds <see cref="ChaosBrokerLock"/> while it runs.
/// </summary>
public sealed class BrokerRestartTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheDashboardReconnectsAfterABrokerRestartAndShowsTheWorkerAgainWhenItsHeartbeatsReturn()
    {
        using var chaos = await ChaosBrokerLock.AcquireAsync(TimeSpan.FromMinutes(5));
        using var dashboard = Build(b => b.AddDashboard());
        using var worker = Build(_ => { });
        await dashboard.StartAsync();
        await worker.StartAsync();
        var state = dashboard.Services.GetRequiredService<DashboardState>();
        var bus = worker.Services.GetRequiredService<IPymarEventBus>();
        var id = "restart-" + Guid.NewGuid().ToString("N")[..8] + "/1";

        try
        {
            await BeatUntilAsync(bus, state, id, done: 1);

            await CtlAsync("stop_app");
            await CtlAsync("start_app");

            await BeatUntilAsync(bus, state, id, done: 2);
            Assert.Equal("ok", state.Snapshot().Workers.Single(w => w.Id == id).State);
        }
        finally
        {
            // Whatever happened, leave the broker running for the tests that come after.
            await CtlAsync("start_app");
            await worker.StopAsync();
            await dashboard.StopAsync();
        }
    }

    private static IHost Build(Action<IPymarBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder.Services.AddPymar().UseRabbitMqEvents(o => o.Uri = ChaosBrokerLock.Uri));
        return builder.Build();
    }

    // Heartbeats sent while the broker is down or the connection is recovering are lost (events are transient), so
    // keep sending until one reaches the dashboard: that shows both ends reconnected and the dashboard subscribed again.
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
                // The broker is down or the connection is still recovering.
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
