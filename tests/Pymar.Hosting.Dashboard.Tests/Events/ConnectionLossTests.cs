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

        await BrokerFaults.BeatUntilAsync(bus, state, id, done: 1, s_timeout);
        var closed = await CloseThisProcessConnectionsAsync();
        Assert.True(closed >= 2, $"closed {closed} connections; expected the dashboard's and the worker's");

        await BrokerFaults.BeatUntilAsync(bus, state, id, done: 2, s_timeout);
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

    /// <summary>Has the broker close every connection this process opened (their client-provided name ends in its pid).</summary>
    private static async Task<int> CloseThisProcessConnectionsAsync()
    {
        var marker = $"/{Environment.ProcessId}\"";
        var list = await BrokerFaults.CtlAsync("ctl.sh", "list_connections", "-q", "pid", "client_properties");
        var pids = list.Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal)).Select(line => line.Split('\t')[0].Trim()).ToList();
        foreach (var pid in pids)
        {
            await BrokerFaults.CtlAsync("ctl.sh", "close_connection", pid, "dashboard test: connection lost");
        }

        return pids.Count;
    }
}
