extern alias examples;

using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The broker takes a job's slices but its confirms stop coming while the connection stays open (a node cut off from
/// the queue's leader can do this). After <see cref="RabbitMqOptions.ConfirmTimeout"/> without a confirm the producer
/// closes its publishing channel and publishes the unconfirmed slices again on a new one; the answer is exact.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class UnconfirmedPublishTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Squares = "SquaredSumProducer";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    private ProducerHost? _host;

    [Fact]
    public async Task SlicesWhoseConfirmsNeverComeArePublishedAgainOnANewChannelAndTheJobIsExact()
    {
        await using var proxy = new StallingProxy(5672);
        var logs = new CapturedLogs();
        var configuration = _scope.Configuration($"amqp://guest:guest@127.0.0.1:{proxy.Port}/");
        configuration["Pymar:Broker:ConfirmTimeout"] = "00:00:03";
        var host = await ExampleHosts.StartAsync(configuration, logs);
        _host = host;
        await _scope.StartWorkerAsync("worker", concurrency: 4);

        // Every confirm is lost from the first publish on: the job's publish window fills with publishes that wait.
        proxy.DropConfirms();
        var job = host.RunExampleAsync("squared-sum", new MapOptions { SliceCount = 400, Timeout = JobTimeout });
        await Eventually.HoldsAsync(() => logs.Lines.Any(l => l.Contains("[3043] ", StringComparison.Ordinal)) || job.IsCompleted, BrokerScope.JobDeadline, "the producer to close its stalled publishing channel");
        proxy.PassConfirms();

        Assert.Equal(examples::Pymar.Examples.Examples.SquaredSumAnswer, await job);
        output.WriteLine($"{proxy.DroppedConfirms} confirms dropped");
        Assert.True(proxy.DroppedConfirms > 0, "no confirm was dropped");
        await host.DisposeAsync();
        _host = null;

        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(Squares);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _scope.DisposeAsync();
    }
}
