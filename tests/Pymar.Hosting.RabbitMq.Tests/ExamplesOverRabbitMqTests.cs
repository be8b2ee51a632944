extern alias examples;

using Pymar.Hosting.RabbitMq.Tests.Support;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Every example answered exactly through RabbitMQ by the examples program run as a worker pool.</summary>
[Collection(BrokerCollection.Name)]
public sealed class ExamplesOverRabbitMqTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly BrokerScope _scope = broker.NewScope();

    public static TheoryData<string, string, int, string> Examples => new()
    {
        { "integrate", "IntegrationProducer", 4, PymarExamples.IntegrateAnswer },
        { "integrate-fast", "FastIntegrationProducer", 4, PymarExamples.IntegrateAnswer },
        { "integrate-keyed", "KeyedIntegrationProducer", 4, PymarExamples.IntegrateAnswer },
        { "squared-sum", "SquaredSumProducer", 4, PymarExamples.SquaredSumAnswer },
        { "squared-sum-inmemory", "SquaredSumProducer", 16, PymarExamples.SquaredSumAnswer },
        { "word-count", "WordCountProducer", 4, PymarExamples.WordCountAnswer },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task AnExampleIsAnsweredExactlyByAWorkerPoolInAnotherProcess(string example, string producer, int slices, string answer)
    {
        var worker = await _scope.StartExamplesWorkerAsync("examples worker");

        var logs = new CapturedLogs();
        string result;
        await using (var host = await _scope.StartProducerHostAsync(logs))
        {
            result = await host.RunExampleAsync(example, new MapOptions { SliceCount = slices, Timeout = BrokerScope.JobDeadline });
        }

        Assert.Equal(answer, result);
        await _scope.StopAllAsync();
        Assert.True(SliceLines.Done(worker, producer).Count == slices, $"The worker process should have computed all {slices} slices.\n{worker.Describe()}");
        Assert.DoesNotContain(logs.Lines, l => l.Contains("locally", StringComparison.Ordinal));
        await _scope.AssertNothingLeftAsync(producer);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
