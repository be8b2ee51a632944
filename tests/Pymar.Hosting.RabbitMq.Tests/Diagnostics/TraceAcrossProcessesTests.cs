extern alias examples;

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using examples::Pymar.Examples;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests.Diagnostics;

/// <summary>
/// A slice's span on a worker continues the producer's trace. The producer runs in this process with
/// OpenTelemetry's in-memory exporter; the worker is a child process whose exporter prints its finished spans as lines.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class TraceAcrossProcessesTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Slices = 4;
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task OneTraceHoldsTheMapAsyncSpanAndEachSlicesSpanOnAWorkerProcess()
    {
        var worker = _scope.StartWorker("worker", concurrency: 2, extraEnvironment: new Dictionary<string, string> { ["PYMAR_TEST_SPANS"] = "1" });
        await worker.WaitForLineAsync("consuming producers", BrokerScope.StartDeadline);

        var spans = new List<Activity>();
        var host = await TestHost.StartAsync(
            _scope.Configuration(),
            pymar => pymar.AddExamples().UseRabbitMq(),
            configureServices: (services, _) => services.AddOpenTelemetry().WithTracing(t => t.AddSource(PymarTelemetry.Name).AddInMemoryExporter(spans)));
        string answer;
        try
        {
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
        lock (spans)
        {
            // Other tests' jobs in this process may be captured too: ours is the one whose trace reached our worker.
            jobs = [.. spans.Where(s => s.OperationName == "pymar.job" && (string?)s.GetTagItem("pymar.producer") == "SquaredSumProducer")];
        }

        Assert.NotEmpty(jobs);
        var lines = await Eventually.ReadAsync(
            () => Task.FromResult(worker.Lines.Where(l => l.StartsWith("span: ", StringComparison.Ordinal)).ToList()),
            found => found.Count >= Slices,
            TimeSpan.FromSeconds(30),
            $"{Slices} slice spans from the worker process",
            TimeSpan.FromMilliseconds(100));
        var job = Assert.Single(jobs, j => lines[0].StartsWith("span: " + j.TraceId.ToHexString() + " ", StringComparison.Ordinal));

        // span: {traceId} {spanId} {parentSpanId} {name}: each slice's span is a child of the MapAsync (job) span.
        var parts = lines.Select(l => l.Split(' ')).ToList();
        Assert.Equal(Slices, parts.Count);
        Assert.All(parts, p => Assert.Equal(job.TraceId.ToHexString(), p[1]));
        Assert.All(parts, p => Assert.Equal("pymar.slice", p[4]));
        Assert.All(parts, p => Assert.Equal(job.SpanId.ToHexString(), p[3]));
        Assert.Equal(Slices, parts.Select(p => p[2]).Distinct().Count());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
