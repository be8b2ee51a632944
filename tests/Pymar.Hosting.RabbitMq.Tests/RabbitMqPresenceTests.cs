extern alias examples;

using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Transport;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Worker processes announce their slots, and <see cref="SliceCount.Auto"/> follows them.</summary>
[Collection(BrokerCollection.Name)]
public sealed class RabbitMqPresenceTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string Producer = "SquaredSumProducer";

    // Workers announce every second: a silent one is forgotten after three.
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);
    private static readonly Dictionary<string, string> s_fastPresence = new() { ["Pymar__Broker__PresenceInterval"] = "00:00:01" };
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task OneWorkerOfTwoSlotsAndThreeGiveDifferentLoggedSliceCountsAndTheSameExactAnswer()
    {
        var logs = new CapturedLogs();
        await using var host = await StartProducerHostAsync(logs);
        var presence = (IWorkerPresence)host.Services.GetRequiredService<IPymarTransport>();

        await StartWorkerAsync("worker A");
        await WaitForLiveAsync(presence, new LiveSlots(2, 1));
        var one = await host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = SliceCount.Auto, Timeout = BrokerScope.JobDeadline });

        await Task.WhenAll(StartWorkerAsync("worker B"), StartWorkerAsync("worker C"));
        await WaitForLiveAsync(presence, new LiveSlots(6, 3));
        var three = await host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = SliceCount.Auto, Timeout = BrokerScope.JobDeadline });

        Assert.Equal((PymarExamples.SquaredSumAnswer, PymarExamples.SquaredSumAnswer), (one, three));
        Assert.Contains(logs.Lines, l => l.Contains("cut into 8 slice(s): 2 live slot(s) on 1 worker(s) × balance 4", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("cut into 24 slice(s): 6 live slot(s) on 3 worker(s) × balance 4", StringComparison.Ordinal));
        await _scope.StopAllAsync();
    }

    [Fact]
    public async Task AWorkerThatLeavesIsNoLongerCountedWithinItsHeartbeat()
    {
        await using var host = await StartProducerHostAsync(new CapturedLogs());
        var presence = (IWorkerPresence)host.Services.GetRequiredService<IPymarTransport>();
        var killed = await StartWorkerAsync("worker A (killed)");
        var stopped = await StartWorkerAsync("worker B (stopped)");
        await WaitForLiveAsync(presence, new LiveSlots(4, 2));

        // Killed: no goodbye, so it is forgotten once silent for three intervals.
        killed.Kill();
        await killed.WaitForExitAsync(BrokerScope.ExitDeadline);
        await Eventually.ReadAsync(() => presence.GetLiveSlotsAsync(Producer).AsTask(), live => live == new LiveSlots(2, 1), (s_interval * 3) + TimeSpan.FromSeconds(1), "the killed worker to be no longer counted");

        // Stopped: its goodbye removes it at once.
        Assert.Equal(0, await stopped.StopAsync(BrokerScope.ExitDeadline));
        await Eventually.ReadAsync(() => presence.GetLiveSlotsAsync(Producer).AsTask(), live => live == default, s_interval, "the stopped worker to be no longer counted");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private Task<ProducerHost> StartProducerHostAsync(CapturedLogs logs)
    {
        var configuration = _scope.Configuration();
        configuration["Pymar:Broker:PresenceInterval"] = "00:00:01";
        return ExampleHosts.StartAsync(configuration, logs);
    }

    private async Task<ChildProcess> StartWorkerAsync(string name)
    {
        var worker = _scope.StartWorker(name, concurrency: 2, extraEnvironment: s_fastPresence);
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);
        return worker;
    }

    private static Task<LiveSlots> WaitForLiveAsync(IWorkerPresence presence, LiveSlots expected) =>
        Eventually.ReadAsync(() => presence.GetLiveSlotsAsync(Producer).AsTask(), live => live == expected, TimeSpan.FromSeconds(10), $"the producer to see {expected}");
}
