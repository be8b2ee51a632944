using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// On the real broker: slice messages that parse and name a registered producer and data source but
/// would tie up a worker, or make it publish where it must not, are dead-lettered with their reason.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class HostileMessageTests(BrokerFixture broker) : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task HostileSlicesAreDeadLetteredWithTheirReasonTheWorkerKeepsBothSlotsAndStopsAtOnce()
    {
        // NumbersDataSource holds 1000 numbers on the worker.
        var worker = _scope.StartWorker("worker", concurrency: 2, sliceMilliseconds: 1000, extraEnvironment: new Dictionary<string, string> { ["PYMAR_TEST_COUNT"] = "1000" });
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);
        await using var raw = await RawBroker.ConnectAsync();
        var replies = await raw.DeclareTemporaryQueueAsync();
        var queue = _scope.WorkQueue(SlowSum);
        (string Body, string Reason, bool Answered)[] hostile =
        [
            (Request(1, offset: 990, limit: 20, replies), "window out of range", true),
            (Request(2, offset: 0, limit: long.MaxValue, replies), "window out of range", true),
            (Request(3, offset: 0, limit: 10, replies, attempt: -1), "invalid attempt number -1", true),
            (Request(4, offset: 0, limit: 10, queue), "is one of Pymar's own queues", false),
            (Request(5, offset: 0, limit: 10, _scope.WorkQueue("WordCountProducer")), "is one of Pymar's own queues", false),
            (Request(6, offset: 0, limit: 10, _scope.Prefix + "reply.nobody"), "does not exist", false),
            (Request(7, offset: 0, limit: 10, replies, expires: 1_000), "after its job's timeout had passed", false),
        ];
        for (var i = 0; i < hostile.Length; i++)
        {
            await raw.PublishAsync(queue, hostile[i].Body, replyTo: replies, correlationId: $"hostile:{i + 1}");
        }

        var deadLetters = await raw.GetAsync(_scope.Prefix + "dead-letter", hostile.Length, s_deadline);
        var errorReplies = await raw.GetAsync(replies, hostile.Count(h => h.Answered), s_deadline);

        var reasons = deadLetters.ToDictionary(
            d => Encoding.UTF8.GetString(d.Body.Span),
            d => Encoding.UTF8.GetString((byte[])d.BasicProperties.Headers!["x-pymar-reason"]!));
        Assert.Equal(hostile.Length, reasons.Count);
        Assert.All(hostile, h => Assert.Contains(h.Reason, reasons[h.Body], StringComparison.Ordinal));
        Assert.Equal(hostile.Count(h => h.Answered), errorReplies.Count);
        Assert.All(errorReplies, reply => Assert.Contains("MalformedMessageException", Encoding.UTF8.GetString(reply.Body.Span), StringComparison.Ordinal));

        // A real job afterwards is exact, and runs two slices at once: both slots serve.
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", "4");
        await AssertAnswersAsync(producer, "500500", BrokerScope.JobDeadline);
        var lines = worker.Lines;
        var firstDone = lines.ToList().FindIndex(l => l.Contains($"({SlowSum}) done in ", StringComparison.Ordinal));
        Assert.True(lines.Take(firstDone).Count(l => IsStarted(l, SlowSum)) >= 2, $"both slots should run a slice at once.\n{worker.Describe()}");
        Assert.DoesNotContain(lines, l => l.Contains("slot is lost", StringComparison.Ordinal));

        // Nothing was published into a work queue, and nothing more was dead-lettered.
        Assert.Equal(0u, await broker.ReadyMessagesAsync(queue));
        Assert.Equal(0u, await broker.ReadyMessagesAsync(_scope.Prefix + "dead-letter"));

        var watch = Stopwatch.StartNew();
        var code = await worker.StopAsync(BrokerScope.ExitDeadline);
        Assert.Equal(0, code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the worker took {watch.Elapsed} to stop after SIGTERM.\n{worker.Describe()}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private static string Request(int slice, long offset, long limit, string replyTo, int attempt = 1, long? expires = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"v":1,"job":"hostile","slice":{{slice}},"attempt":{{attempt}},"producer":"{{SlowSum}}","source":"NumbersDataSource","offset":{{offset}},"limit":{{limit}},"replyTo":"{{replyTo}}"{{(expires is { } e ? $",\"expires\":{e}" : "")}}}""");
}
