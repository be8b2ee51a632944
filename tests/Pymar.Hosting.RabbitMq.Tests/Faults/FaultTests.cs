extern alias examples;

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pymar.Hosting.RabbitMq.Tests.Support;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>On the real broker: malformed and unknown messages, poison slices, duplicates, size limits.</summary>
[Collection(BrokerCollection.Name)]
public sealed class FaultTests(BrokerFixture broker) : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task MalformedMessagesAreDeadLetteredWithTheirReasonAndTheWorkerKeepsServing()
    {
        await _scope.StartWorkerAsync("worker", concurrency: 2);
        await using var raw = await RawBroker.ConnectAsync();
        var replies = await raw.DeclareTemporaryQueueAsync();
        var queue = _scope.WorkQueue("WordCountProducer");
        string[] bodies =
        [
            "not json",
            """{"v":1,"job":"j","slice":0,"producer":"WordCountProducer","source":"DocumentsDataSource"}""",
            """{"v":1,"job":"j","slice":0,"producer":"WordCountProducer","source":"DocumentsDataSource","offset":-5,"limit":2,"replyTo":"x"}""",
            """{"v":99,"job":"j","slice":0,"producer":"WordCountProducer","source":"DocumentsDataSource","offset":0,"limit":2,"replyTo":"x"}""",
            """{"$type":"System.Diagnostics.Process, System","v":1,"job":"j","slice":0,"producer":"WordCountProducer","source":"DocumentsDataSource","offset":0,"limit":2,"replyTo":"x"}""",
        ];
        foreach (var body in bodies)
        {
            await raw.PublishAsync(queue, body, replyTo: replies, correlationId: "job-of-outsider:0");
        }

        var deadLetters = await raw.GetAsync(_scope.Prefix + "dead-letter", bodies.Length, s_deadline);
        var errorReplies = await raw.GetAsync(replies, bodies.Length, s_deadline);
        await using (var host = await _scope.StartProducerHostAsync(new CapturedLogs()))
        {
            Assert.Equal(PymarExamples.WordCountAnswer, await host.RunExampleAsync("word-count", new MapOptions { Timeout = BrokerScope.JobDeadline }));
        }

        Assert.Equal(bodies.Order(), deadLetters.Select(d => Encoding.UTF8.GetString(d.Body.Span)).Order());
        var reasons = deadLetters.Select(d => Encoding.UTF8.GetString((byte[])d.BasicProperties.Headers!["x-pymar-reason"]!)).ToList();
        Assert.All(reasons, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        Assert.Contains(reasons, r => r.Contains("protocol version 99", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("invalid window", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("$type", StringComparison.Ordinal));
        Assert.Equal(bodies.Length, errorReplies.Count);
        Assert.All(errorReplies, reply => Assert.Contains("MalformedMessageException", Encoding.UTF8.GetString(reply.Body.Span), StringComparison.Ordinal));
        await _scope.StopAllAsync();
    }

    [Theory]
    [InlineData("NoSuchProducer", "DocumentsDataSource", "Producer 'NoSuchProducer' is not registered")]
    [InlineData("WordCountProducer", "NoSuchSource", "'NoSuchSource'")]
    public async Task AnUnknownNameIsAnsweredWithAnErrorAndDeadLetteredWithoutRequeue(string producer, string source, string expected)
    {
        await _scope.StartWorkerAsync("worker", concurrency: 1);
        await using var raw = await RawBroker.ConnectAsync();
        var replies = await raw.DeclareTemporaryQueueAsync();
        var request = $$"""{"v":1,"job":"outsider","slice":3,"attempt":1,"producer":"{{producer}}","source":"{{source}}","offset":0,"limit":2,"replyTo":"{{replies}}"}""";

        await raw.PublishAsync(_scope.WorkQueue("WordCountProducer"), request, replyTo: replies, correlationId: "outsider:3");
        var reply = Assert.Single(await raw.GetAsync(replies, 1, s_deadline));
        var deadLetter = Assert.Single(await raw.GetAsync(_scope.Prefix + "dead-letter", 1, s_deadline));

        var answer = JsonNode.Parse(reply.Body.Span)!;
        Assert.Equal(("outsider", 3), ((string)answer["job"]!, (int)answer["slice"]!));
        Assert.Contains(expected, (string)answer["error"]!["message"]!, StringComparison.Ordinal);
        Assert.Equal(request, Encoding.UTF8.GetString(deadLetter.Body.Span));
        Assert.Contains(producer == "NoSuchProducer" ? producer : source, Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-pymar-reason"]!), StringComparison.Ordinal);
        Assert.Equal(0u, await broker.ReadyMessagesAsync(_scope.WorkQueue("WordCountProducer")));
        await _scope.StopAllAsync();
    }

    [Fact]
    public async Task ADuplicateReplyIsCountedOnce()
    {
        await using var raw = await RawBroker.ConnectAsync();
        var logs = new CapturedLogs();
        await using var host = await _scope.StartProducerHostAsync(logs);
        // The work queue exists once the producer has published; declare it first by a job that cannot finish yet.
        var job = host.RunExampleAsync("word-count", new MapOptions { SliceCount = 3, Timeout = BrokerScope.JobDeadline });
        await Eventually.ReadAsync(
            () => broker.ReadyMessagesAsync(_scope.WorkQueue("WordCountProducer")),
            ready => ready == 3,
            s_deadline,
            "the three slices to wait in their queue");

        // A fake worker answers each slice twice: two documents per slice, "one" counted 2 per slice if folded once.
        await raw.AnswerTwiceAsync(_scope.WorkQueue("WordCountProducer"), request =>
        {
            var slice = JsonNode.Parse(request)!;
            return JsonSerializer.Serialize(new { v = 1, job = (string)slice["job"]!, slice = (int)slice["slice"]!, attempt = 1, worker = "fake", value = new Dictionary<string, long> { ["one"] = 2 } });
        });

        Assert.Equal("one 6", await job);
        Assert.Contains(logs.Lines, l => l.Contains("duplicate or out of range", StringComparison.Ordinal) || l.Contains("late or unknown job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOversizedSliceIsRefusedWithAClearError()
    {
        var configuration = _scope.Configuration();
        configuration["Pymar:Broker:MaxMessageBytes"] = "4096";
        await using var host = await ExampleHosts.StartAsync(configuration, new CapturedLogs());

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.RunExampleAsync("squared-sum-inmemory", new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline }));

        Assert.Contains("over the transport's limit of 4096 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Use a registered data source instead of in-memory items, or more slices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASliceThatCrashesEveryWorkerIsDeadLetteredAndTheJobFailsNamingIt()
    {
        // No lookahead: a worker that dies also returns the slices it held unstarted, each with one more delivery, so
        // with a lookahead and so low a limit an innocent neighbour of the poison slice would reach the limit too.
        var maxDeliveries = new Dictionary<string, string> { ["Pymar__Worker__MaxDeliveries"] = "2", ["Pymar__Broker__PrefetchLookahead"] = "0" };
        var job = _scope.StartProducer("producer", "crash");
        await Eventually.ReadAsync(
            () => broker.ReadyMessagesAsync(_scope.WorkQueue("CrashProducer")),
            ready => ready == 3,
            s_deadline,
            "the three slices to wait in their queue");

        // Each worker that takes the poison slice dies with it (Environment.FailFast); the third one refuses it.
        for (var crash = 1; crash <= 2; crash++)
        {
            var dying = _scope.StartWorker($"worker-{crash}", concurrency: 1, extraEnvironment: maxDeliveries);
            Assert.NotEqual(0, await dying.WaitForExitAsync(BrokerScope.StartDeadline));
        }

        var last = _scope.StartWorker("worker-3", concurrency: 1, extraEnvironment: maxDeliveries);
        Assert.Equal(1, await job.WaitForExitAsync(BrokerScope.JobDeadline));
        var error = job.Lines.Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("Slice 1 [2, 4) of producer 'CrashProducer'", error, StringComparison.Ordinal);
        Assert.Contains("delivered 3 times", error, StringComparison.Ordinal);

        // The queue is not blocked: the same producer answers its next job.
        var next = _scope.StartProducer("next-producer", "no-crash");
        Assert.Equal(0, await next.WaitForExitAsync(BrokerScope.JobDeadline));
        Assert.Contains("answer: 21", next.Lines);
        await using var raw = await RawBroker.ConnectAsync();
        var deadLetter = Assert.Single(await raw.GetAsync(_scope.Prefix + "dead-letter", 1, s_deadline));
        Assert.Contains("delivered 3 times", Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-pymar-reason"]!), StringComparison.Ordinal);
        Assert.False(last.HasExited);
        await _scope.StopAllAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
