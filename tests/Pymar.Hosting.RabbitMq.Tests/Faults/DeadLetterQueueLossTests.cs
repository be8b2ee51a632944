using System.Globalization;
using System.Text;
using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The dead-letter queue deleted under a running worker: the slices it rejects are still settled (none is left
/// unacknowledged on its channel), the dead-letter queue comes back with their reasons, and the worker keeps taking
/// slices.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class DeadLetterQueueLossTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Malformed = 12;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task MalformedSlicesAfterTheDeadLetterQueueWasDeletedAreSettledAndTheWorkerKeepsServing()
    {
        var worker = await _scope.StartWorkerAsync("worker", concurrency: 2);
        var queue = _scope.WorkQueue(SlowSum);
        var deadLetter = _scope.Prefix + "dead-letter";
        await broker.DeleteQueueAsync(deadLetter);
        Assert.Null(await broker.ReadyMessagesAsync(deadLetter));

        await using var raw = await RawBroker.ConnectAsync();
        for (var i = 0; i < Malformed; i++)
        {
            await raw.PublishAsync(queue, $"not a slice {i}");
        }

        // Every malformed body is settled: none waits in the work queue, none is held unacknowledged by the worker.
        await Eventually.ReadAsync(() => InspectAsync(queue), q => q is { Messages: 0, Unacknowledged: 0 }, s_deadline, "the malformed bodies to be settled", TimeSpan.FromMilliseconds(500));
        var deadLettered = await raw.GetAsync(deadLetter, Malformed, s_deadline);
        Assert.Equal(Malformed, deadLettered.Count);
        Assert.All(deadLettered, d => Assert.True(d.BasicProperties.Headers?.ContainsKey("x-pymar-reason"), Encoding.UTF8.GetString(d.Body.Span)));

        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "8", "--count", "1000");
        await AssertAnswersAsync(producer, "500500", BrokerScope.JobDeadline);
        Assert.Equal(8, Done(worker, SlowSum).Count);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private static async Task<(uint Messages, uint Unacknowledged)?> InspectAsync(string queue)
    {
        var lines = await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "-q", "list_queues", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged");
        var fields = lines.Select(l => l.Split('\t')).FirstOrDefault(f => f.Length == 3 && f[0].Trim() == queue);
        return fields is null ? null : (uint.Parse(fields[1].Trim(), CultureInfo.InvariantCulture), uint.Parse(fields[2].Trim(), CultureInfo.InvariantCulture));
    }
}
