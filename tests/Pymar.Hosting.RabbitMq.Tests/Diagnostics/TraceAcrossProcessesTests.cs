extern alias examples;

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using examples::Pymar.Examples;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests.Diagnostics;

/// <summary>
/// A slice's span on a worker continues the producer's trace, through RabbitMQ.Client's publish span, with the
/// caller's baggage: both travel in the messages' AMQP headers. The producer runs in this process with
/// OpenTelemetry's in-memory exporter; the worker is a child process whose exporter prints its finished spans as lines.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class TraceAcrossProcessesTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Slices = 4;
    private static readonly ActivitySource s_caller = new("Pymar.Hosting.RabbitMq.Tests.Caller");
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task OneTraceHoldsTheMapAsyncSpanTheClientsPublishSpansAndEachSlicesSpanOnAWorkerProcessWithTheCallersBaggage()
    {
        var worker = _scope.StartWorker("worker", concurrency: 2, extraEnvironment: new Dictionary<string, string> { ["PYMAR_TEST_SPANS"] = "1" });
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);

        var spans = new List<Activity>();
        var host = await TestHost.StartAsync(
            _scope.Configuration(),
            pymar => pymar.AddExamples().UseRabbitMq(),
            configureServices: (services, _) => services.AddOpenTelemetry().WithTracing(t => t
                .AddSource(s_caller.Name, PymarTelemetry.Name, RabbitMQActivitySource.PublisherSourceName)
                .AddInMemoryExporter(spans)));
        var tenant = "tenant-" + Guid.NewGuid().ToString("N");
        string answer;
        try
        {
            // The caller's own span, with a baggage item the worker should see.
            using var caller = s_caller.StartActivity("caller")!.AddBaggage("tenant", tenant);
            answer = await examples::Pymar.Examples.Examples.Find("squared-sum")!.Run(
                host.Services.GetRequiredService<ProducerClient>(), host.Services, new MapOptions { SliceCount = Slices, Timeout = BrokerScope.JobDeadline }, CancellationToken.None);
        }
        finally
        {
            // Stopping the host flushes the exporter.
            await host.StopAndDisposeAsync();
        }

        Assert.False(string.IsNullOrEmpty(answer));
        List<Activity> jobs;
        List<Activity> publishes;
        lock (spans)
        {
            // Other tests' jobs in this process may be captured too: ours is the one whose trace reached our worker.
            jobs = [.. spans.Where(s => s.OperationName == "pymar.job" && (string?)s.GetTagItem("pymar.producer") == "SquaredSumProducer")];
            publishes = [.. spans.Where(s => s.Source.Name == RabbitMQActivitySource.PublisherSourceName)];
        }

        Assert.NotEmpty(jobs);
        var lines = await Eventually.ReadAsync(
            () => Task.FromResult(worker.Lines.Where(l => l.StartsWith("span: ", StringComparison.Ordinal)).ToList()),
            found => found.Count >= Slices,
            TimeSpan.FromSeconds(30),
            $"{Slices} slice spans from the worker process",
            TimeSpan.FromMilliseconds(100));
        var job = Assert.Single(jobs, j => lines[0].StartsWith("span: " + j.TraceId.ToHexString() + " ", StringComparison.Ordinal));

        var queue = (string?)job.GetTagItem("messaging.destination.name");
        Assert.Equal(("rabbitmq", "send"), (job.GetTagItem("messaging.system"), job.GetTagItem("messaging.operation.type")));
        Assert.EndsWith("SquaredSumProducer", queue, StringComparison.Ordinal);

        // RabbitMQ.Client's publish spans of the job's slices are children of the MapAsync (job) span.
        var jobPublishes = publishes.Where(p => p.TraceId == job.TraceId).ToList();
        Assert.True(jobPublishes.Count >= Slices, $"{jobPublishes.Count} publish spans in the job's trace, {Slices} expected");
        Assert.All(jobPublishes, p => Assert.Equal(job.SpanId, p.ParentSpanId));

        // span: {traceId} {spanId} {parentSpanId} {name} {key=value}...: each slice's span is a child of a publish span,
        // in the job's trace, with the messaging attributes and the caller's baggage.
        var parts = lines.Select(l => l.Split(' ')).ToList();
        Assert.Equal(Slices, parts.Count);
        Assert.All(parts, p => Assert.Equal(job.TraceId.ToHexString(), p[1]));
        Assert.All(parts, p => Assert.Equal("pymar.slice", p[4]));
        Assert.All(parts, p => Assert.Contains(p[3], jobPublishes.Select(publish => publish.SpanId.ToHexString())));
        Assert.Equal(Slices, parts.Select(p => p[2]).Distinct().Count());
        Assert.All(parts, p => Assert.Contains("baggage.tenant=" + tenant, p));
        Assert.All(parts, p => Assert.Contains("messaging.system=rabbitmq", p));
        Assert.All(parts, p => Assert.Contains("messaging.operation.type=process", p));
        Assert.All(parts, p => Assert.Contains("messaging.destination.name=" + queue, p));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
