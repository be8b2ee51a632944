extern alias examples;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>A list of broker nodes in which one does not answer still carries a job, in both written forms.</summary>
[Collection(BrokerCollection.Name)]
public sealed class EndpointListTests(BrokerFixture broker) : IAsyncLifetime
{
    // Nothing listens on port 1: that node refuses every connection.
    private const string UriList = "amqp://guest:guest@127.0.0.1:1,127.0.0.1:5672/";

    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AHostsListWithAnUnreachableNodeFirstConnectsToTheOtherAndRunsAJob()
    {
        // The worker takes the URI form of the list, the producer the Hosts form (as Pymar__Broker__Hosts__N would).
        var worker = await _scope.StartWorkerAsync("worker", concurrency: 2, brokerUri: UriList);
        var configuration = _scope.Configuration();
        configuration.Remove("Pymar:Broker:Uri");
        configuration["Pymar:Broker:Hosts:0"] = "127.0.0.1:1";
        configuration["Pymar:Broker:Hosts:1"] = "127.0.0.1:5672";
        configuration["Pymar:Broker:Heartbeat"] = "00:00:07";

        var logs = new CapturedLogs();
        string result;
        await using (var host = await ExampleHosts.StartAsync(configuration, logs))
        {
            Assert.Equal("RabbitMQ at amqp://guest@127.0.0.1:1,127.0.0.1:5672/", host.Services.GetRequiredService<RabbitMqTransport>().Description);
            Assert.Equal(TimeSpan.FromSeconds(7), host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value.Heartbeat);
            result = await host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline });
        }

        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, result);
        Assert.Contains(logs.Lines, l => l.Contains("Connected to RabbitMQ at amqp://guest@127.0.0.1:5672/", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("locally", StringComparison.Ordinal));
        await _scope.StopAllAsync();
        Assert.Contains(worker.Lines, l => l.Contains("Connected to RabbitMQ at amqp://guest@127.0.0.1:5672/", StringComparison.Ordinal));
        Assert.Equal(4, SliceLines.Done(worker, "SquaredSumProducer").Count);
        await _scope.AssertNothingLeftAsync("SquaredSumProducer");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
