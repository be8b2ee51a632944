using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>The connection is made from the whole node list, with the heartbeat and TLS settings on every node.</summary>
public sealed class RabbitMqConnectionTests
{
    [Fact]
    public void EveryNodeIsAnEndpointWithTheHeartbeatAndTheMessageLimit()
    {
        var options = new RabbitMqOptions { Heartbeat = TimeSpan.FromSeconds(5) };
        options.Hosts.Add("node1:5680");
        options.Hosts.Add("node2");

        var (factory, endpoints) = Describe(options);

        Assert.Equal(TimeSpan.FromSeconds(5), factory.RequestedHeartbeat);
        Assert.True(factory.AutomaticRecoveryEnabled);
        Assert.Equal(["node1:5680", "node2:5672"], endpoints.Select(e => $"{e.HostName}:{e.Port}"));
        Assert.All(endpoints, e => Assert.Equal(factory.MaxInboundMessageBodySize, e.MaxInboundMessageBodySize));
        Assert.All(endpoints, e => Assert.False(e.Ssl.Enabled));
    }

    [Fact]
    public void WithTlsEachNodeChecksItsOwnNameUnlessOneServerNameIsGiven()
    {
        var (_, own) = Describe(new RabbitMqOptions { Uri = "amqps://ann:secret@node1,node2/" });
        var (_, shared) = Describe(new RabbitMqOptions { Uri = "amqps://ann:secret@node1,node2/", TlsServerName = "rabbit.example" });

        Assert.Equal(["node1", "node2"], own.Select(e => e.Ssl.ServerName));
        Assert.All(own, e => Assert.True(e.Ssl.Enabled));
        Assert.Equal(["rabbit.example", "rabbit.example"], shared.Select(e => e.Ssl.ServerName));
    }

    [Fact]
    public async Task WhenNoNodeAnswersTheErrorNamesEveryNodeButNotThePassword()
    {
        var options = new RabbitMqOptions { Uri = "amqp://guest:zq9Secret@127.0.0.1:1,127.0.0.1:2/", ConnectionTimeout = TimeSpan.FromSeconds(5) };
        await using var connection = new RabbitMqConnection(BrokerAddress.From(options), options, NullLogger.Instance);

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => connection.GetAsync(CancellationToken.None));

        Assert.Contains("amqp://guest@127.0.0.1:1,127.0.0.1:2/", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("zq9Secret", error.Message, StringComparison.Ordinal);
        Assert.False(connection.IsOpen);
    }

    private static (ConnectionFactory Factory, List<AmqpTcpEndpoint> Endpoints) Describe(RabbitMqOptions options) =>
        new RabbitMqConnection(BrokerAddress.From(options), options, NullLogger.Instance).Describe();
}
