using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;
using Pymar.Hosting.TestSupport;

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
            await BrokerFaults.BeatUntilAsync(bus, state, id, done: 1, s_timeout);

            await BrokerFaults.CtlAsync("ctl-chaos.sh", "stop_app");
            await BrokerFaults.CtlAsync("ctl-chaos.sh", "start_app");

            await BrokerFaults.BeatUntilAsync(bus, state, id, done: 2, s_timeout);
            Assert.Equal("ok", state.Snapshot().Workers.Single(w => w.Id == id).State);
        }
        finally
        {
            // Whatever happened, leave the broker running for the tests that come after.
            await BrokerFaults.CtlAsync("ctl-chaos.sh", "start_app");
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
}
