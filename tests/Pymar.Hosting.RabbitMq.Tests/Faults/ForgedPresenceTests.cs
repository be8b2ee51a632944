extern alias examples;

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Transport;
using RabbitMQ.Client;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// Anyone allowed to publish on the presence exchange can say anything there: announcements out of range or
/// malformed are dropped with a log line, and <see cref="SliceCount.Auto"/> keeps following the real workers.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ForgedPresenceTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string Producer = "SquaredSumProducer";
    private static readonly Dictionary<string, string> s_fastPresence = new() { ["Pymar__Broker__PresenceInterval"] = "00:00:01" };
    private readonly BrokerScope _scope = broker.NewScope();

    private static readonly (string Case, string Body)[] s_forged =
    [
        ("all slots and an hour", $$"""{"worker":"forged-1","producers":["{{Producer}}"],"slots":2147483647,"intervalMs":3600000,"leaving":false}"""),
        ("too many slots", $$"""{"worker":"forged-2","producers":["{{Producer}}"],"slots":1000000,"intervalMs":1000,"leaving":false}"""),
        ("an hour's interval", $$"""{"worker":"forged-3","producers":["{{Producer}}"],"slots":2,"intervalMs":3600000,"leaving":false}"""),
        ("a negative interval", $$"""{"worker":"forged-4","producers":["{{Producer}}"],"slots":2,"intervalMs":-5,"leaving":false}"""),
        ("a control character in the worker id", $$"""{"worker":"forged-5\u0007","producers":["{{Producer}}"],"slots":2,"intervalMs":1000,"leaving":false}"""),
        ("a huge worker id", $$"""{"worker":"{{new string('w', 100_000)}}","producers":["{{Producer}}"],"slots":2,"intervalMs":1000,"leaving":false}"""),
        ("an empty producer", $$"""{"worker":"forged-6","producers":["{{Producer}}",""],"slots":2,"intervalMs":1000,"leaving":false}"""),
        ("no producers field", """{"worker":"forged-7","slots":2,"intervalMs":1000,"leaving":false}"""),
        ("not JSON", "slots: lots"),
    ];

    [Fact]
    public async Task ForgedAnnouncementsBesideARealWorkerAreDroppedAndTheNextAutoJobIsExact()
    {
        var logs = new CapturedLogs();
        var configuration = _scope.Configuration();
        configuration["Pymar:Broker:PresenceInterval"] = "00:00:01";
        await using var host = await ExampleHosts.StartAsync(configuration, logs);
        var presence = (IWorkerPresence)host.Services.GetRequiredService<IPymarTransport>();
        var worker = _scope.StartWorker("worker", concurrency: 2, extraEnvironment: s_fastPresence);
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);
        await WaitForLiveAsync(presence, new LiveSlots(2, 1), "the real worker");

        // Messages on one queue are heard in order: once the witness counts, the forged message was heard before it.
        await using var raw = await RawBroker.ConnectAsync();
        foreach (var (_, body) in s_forged)
        {
            await PublishAsync(raw, body);
        }

        await PublishAsync(raw, Announcement("witness", slots: 1, leaving: false));
        await WaitForLiveAsync(presence, new LiveSlots(3, 2), "the witness, and no forged announcement, to count");
        await PublishAsync(raw, Announcement("witness", slots: 1, leaving: true));
        await WaitForLiveAsync(presence, new LiveSlots(2, 1), "the witness to leave");

        var answer = await host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = SliceCount.Auto, Timeout = BrokerScope.JobDeadline });

        Assert.Equal(PymarExamples.SquaredSumAnswer, answer);
        Assert.Contains(logs.Lines, l => l.Contains("cut into 8 slice(s): 2 live slot(s) on 1 worker(s) × balance 4", StringComparison.Ordinal));
        Assert.Equal(s_forged.Length, logs.Lines.Count(l => l.Contains("Ignored a presence message", StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(new string('w', 1000), StringComparison.Ordinal));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private static string Announcement(string worker, int slots, bool leaving) =>
        $$"""{"worker":"{{worker}}","producers":["{{Producer}}"],"slots":{{slots}},"intervalMs":10000,"leaving":{{(leaving ? "true" : "false")}}}""";

    private Task PublishAsync(RawBroker raw, string body) =>
        raw.Channel.BasicPublishAsync(_scope.Prefix + "presence", "announce", Encoding.UTF8.GetBytes(body)).AsTask();

    private static Task<LiveSlots> WaitForLiveAsync(IWorkerPresence presence, LiveSlots expected, string what) =>
        Eventually.ReadAsync(() => presence.GetLiveSlotsAsync(Producer).AsTask(), live => live == expected, TimeSpan.FromSeconds(10), what);
}
