using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Bad broker settings stop the host at start with a message that names the key and never the password.</summary>
public sealed class RabbitMqOptionsValidatorTests
{
    private const string Password = "zq9Secret";

    [Fact]
    public void ValidSettingsForOneBrokerAndForAClusterPass()
    {
        var cluster = new RabbitMqOptions { Heartbeat = TimeSpan.FromSeconds(5) };
        cluster.Hosts.Add("node1:5672");
        cluster.Hosts.Add("node2");

        Assert.True(Validate(new RabbitMqOptions()).Succeeded);
        Assert.True(Validate(cluster).Succeeded);
        Assert.True(Validate(new RabbitMqOptions { Uri = $"amqps://ann:{Password}@node1,node2:5671,node3/jobs" }).Succeeded);
    }

    [Theory]
    [InlineData("Transient")]
    [InlineData("Durable")]
    [InlineData("durable")]
    public void EitherDeliveryModePasses(string mode) =>
        Assert.True(Validate(new RabbitMqOptions { DeliveryMode = mode }).Succeeded);

    [Fact]
    public void AnUnknownDeliveryModeAndAnOutOfRangeLookaheadAreNamed()
    {
        var message = Failure(new RabbitMqOptions { DeliveryMode = "Persistent", PrefetchLookahead = -1 });

        Assert.Contains("Pymar:Broker:DeliveryMode must be 'Durable' or 'Transient' (it is 'Persistent')", message, StringComparison.Ordinal);
        Assert.Contains("Pymar:Broker:PrefetchLookahead must be between 0 and 100 (it is -1)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALookaheadWorkOutOfRangeAndAMaximumBelowTheLeastLookaheadAreNamed()
    {
        var message = Failure(new RabbitMqOptions { LookaheadWork = TimeSpan.FromSeconds(2), PrefetchLookahead = 8, MaxPrefetchLookahead = 4 });

        Assert.Contains("Pymar:Broker:LookaheadWork must be between 00:00:00 and 00:00:01 (it is 00:00:02)", message, StringComparison.Ordinal);
        Assert.Contains("Pymar:Broker:MaxPrefetchLookahead must be between PrefetchLookahead (8) and 1000 (it is 4)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadEntryOfHostsIsNamedByItsIndex()
    {
        var options = new RabbitMqOptions { Password = Password };
        options.Hosts.Add("node1:5672");
        options.Hosts.Add("node2:99999");

        var message = Failure(options);

        Assert.Contains("Pymar:Broker:Hosts:1 must be host or host:port", message, StringComparison.Ordinal);
        Assert.Contains("'node2:99999'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyEntryOfHostsIsNamedByItsIndex()
    {
        var options = new RabbitMqOptions();
        options.Hosts.Add(" ");

        Assert.Contains("Pymar:Broker:Hosts:0 must not be empty", Failure(options), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData($"amqp://ann:{Password}@node1,:5672/")]
    [InlineData($"amqp://ann:{Password}@node1:5672,node2:x/")]
    [InlineData($"amqp://ann:{Password}@/")]
    [InlineData($"http://ann:{Password}@node1/")]
    [InlineData($"amqp://ann:zq9/Secret@node1/")]
    public void ABadUriListIsNamedWithThePasswordHidden(string uri)
    {
        var message = Failure(new RabbitMqOptions { Uri = uri });

        Assert.Contains("Pymar:Broker:Uri must be", message, StringComparison.Ordinal);
        Assert.Contains("ann:***@", message, StringComparison.Ordinal);
        Assert.DoesNotContain("zq9", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(70000)]
    public void AHeartbeatOutsideOneSecondToTheAmqpLimitIsNamed(int seconds)
    {
        var message = Failure(new RabbitMqOptions { Heartbeat = TimeSpan.FromSeconds(seconds) });

        Assert.Contains("Pymar:Broker:Heartbeat must be between", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(999)]
    public void AConfirmTimeoutUnderOneSecondIsNamed(int milliseconds)
    {
        var message = Failure(new RabbitMqOptions { ConfirmTimeout = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.Contains("Pymar:Broker:ConfirmTimeout must be at least 00:00:01", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostDoesNotStartWithABadHostsEntryFromConfiguration()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pymar:Transport"] = RabbitMqTransport.Name,
            ["Pymar:Broker:Hosts:0"] = "node1",
            ["Pymar:Broker:Hosts:1"] = "node2:port",
            ["Pymar:Broker:Heartbeat"] = "00:00:05",
            ["Pymar:Broker:Password"] = Password,
        });
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Broker:Hosts:1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(RabbitMqOptions options) => new RabbitMqOptionsValidator().Validate(null, options);

    private static string Failure(RabbitMqOptions options)
    {
        var result = Validate(options);
        Assert.True(result.Failed, "The options should not pass.");
        return result.FailureMessage;
    }
}
