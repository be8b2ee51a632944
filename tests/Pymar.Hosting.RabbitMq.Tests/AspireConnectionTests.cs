extern alias examples;

using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;
using RabbitMQ.Client;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// On the real broker: an app wired as .NET Aspire wires it (<c>ConnectionStrings:messaging</c>, and the
/// <see cref="IConnection"/> that <c>Aspire.RabbitMQ.Client</c> registers) runs a job through Pymar exactly.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class AspireConnectionTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string Producer = "SquaredSumProducer";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    // The name Pymar gives a connection it opens itself, from this process.
    private static readonly string s_pymarConnectionName = $"pymar {Environment.MachineName}/{Environment.ProcessId}";
    private readonly string _connectionName = $"pymar aspire test {Guid.NewGuid():N}";

    [Fact]
    public async Task AJobRunsOnTheOneConnectionThatAspireRegisteredAndPymarLeavesItOpen()
    {
        var builder = NewBuilder(new()
        {
            ["ConnectionStrings:messaging"] = BrokerFixture.Uri,
            ["Pymar:Broker:UseConnectionFromServices"] = "true",
        });
        builder.AddRabbitMQClient("messaging", configureConnectionFactory: f => f.ClientProvidedName = _connectionName);
        PymarExamples.AddExamples(builder.Services.AddPymar(builder.Configuration)).UseRabbitMq().AddWorkers(o => o.Concurrency = 2);
        string answer;
        IReadOnlyList<int> channels;
        IReadOnlyList<int> ownConnections;
        bool openAfterPymarEnded;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);

            answer = await RunSquaredSumAsync(host.Services);
            channels = await ChannelsOfConnectionsNamedAsync(_connectionName);
            // The name Pymar gives a connection it opens itself, from this process (the other tests on this broker
            // run one at a time, and the fixture's connection has a name of its own).
            ownConnections = await ChannelsOfConnectionsNamedAsync(s_pymarConnectionName);

            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                await host.StopAsync(timeout.Token);
            }

            await host.Services.GetRequiredService<RabbitMqTransport>().DisposeAsync();
            openAfterPymarEnded = host.Services.GetRequiredService<IConnection>().IsOpen;
        }

        Assert.Equal(PymarExamples.SquaredSumAnswer, answer);
        var connection = Assert.Single(channels);
        Assert.True(connection >= 2, $"Pymar's worker and producer channels should be on the app's connection; it has {connection}.");
        Assert.Empty(ownConnections);
        Assert.True(openAfterPymarEnded, "Pymar closed the app's connection when it stopped.");
        Assert.Empty(await ChannelsOfConnectionsNamedAsync(_connectionName));
        await _scope.AssertNothingLeftAsync(Producer);
    }

    [Fact]
    public async Task AJobRunsOnTheBrokerOfTheNamedConnectionStringWhichWinsOverTheUri()
    {
        var builder = NewBuilder(new()
        {
            ["ConnectionStrings:messaging"] = BrokerFixture.Uri,
            ["Pymar:Broker:ConnectionName"] = "messaging",
            // No broker listens on port 1: the job can only run if the connection string wins.
            ["Pymar:Broker:Uri"] = "amqp://guest:guest@127.0.0.1:1/",
        });
        PymarExamples.AddExamples(builder.Services.AddPymar(builder.Configuration)).UseRabbitMq().AddWorkers(o => o.Concurrency = 2);
        string answer;
        IReadOnlyList<int> ownConnections;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
            answer = await RunSquaredSumAsync(host.Services);
            ownConnections = await ChannelsOfConnectionsNamedAsync(s_pymarConnectionName);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await host.StopAsync(timeout.Token);
        }

        Assert.Equal(PymarExamples.SquaredSumAnswer, answer);
        Assert.Single(ownConnections);
        await _scope.AssertNothingLeftAsync(Producer);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private HostApplicationBuilder NewBuilder(Dictionary<string, string?> settings)
    {
        var configuration = _scope.Configuration();
        configuration.Remove("Pymar:Broker:Uri");
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    private static Task<string> RunSquaredSumAsync(IServiceProvider services) =>
        PymarExamples.Find("squared-sum")!.Run(
            services.GetRequiredService<ProducerClient>(), services, new MapOptions { SliceCount = 4, Timeout = BrokerScope.JobDeadline }, CancellationToken.None);

    /// <summary>The channel count of each connection to the broker with the client-provided name <paramref name="name"/>.</summary>
    private static async Task<IReadOnlyList<int>> ChannelsOfConnectionsNamedAsync(string name)
    {
        var lines = await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "-q", "list_connections", "--no-table-headers", "client_properties", "channels");
        return [.. lines.Where(l => l.Contains($"\"{name}\"", StringComparison.Ordinal)).Select(l => int.Parse(l.Trim().Split('\t')[^1], CultureInfo.InvariantCulture))];
    }
}
