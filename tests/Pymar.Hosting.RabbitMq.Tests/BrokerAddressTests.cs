using Microsoft.Extensions.Configuration;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>How <c>Pymar:Broker</c> becomes the list of nodes the connection tries, for one broker and for a cluster.</summary>
public sealed class BrokerAddressTests
{
    [Fact]
    public void TheDefaultsAreOneBrokerOnLoopback()
    {
        var address = BrokerAddress.From(new RabbitMqOptions());

        Assert.Equal([new BrokerEndpoint("127.0.0.1", 5672)], address.Endpoints);
        Assert.Equal("amqp://guest@127.0.0.1:5672/", address.Display);
        Assert.Equal("/", address.VirtualHost);
    }

    [Fact]
    public void ASingleHostUriKeepsItsCredentialsApartAndUnescapesThem()
    {
        var address = BrokerAddress.From(new RabbitMqOptions { Uri = "amqp://ann:p%40ss@broker.example:5673/v%2Fh" });

        Assert.Equal([new BrokerEndpoint("broker.example", 5673)], address.Endpoints);
        Assert.Equal("ann", address.UserName);
        Assert.Equal("p@ss", address.Password);
        Assert.Equal("v/h", address.VirtualHost);
        Assert.Equal("amqp://ann@broker.example:5673/v%2Fh", address.Display);
    }

    [Fact]
    public void AUriListsSeveralNodesSeparatedByCommasEachWithAnOptionalPort()
    {
        var address = BrokerAddress.From(new RabbitMqOptions { Uri = "amqp://ann:secret@node1:5672,node2,[::1]:5673/jobs" });

        Assert.Equal([new BrokerEndpoint("node1", 5672), new BrokerEndpoint("node2", 5672), new BrokerEndpoint("::1", 5673)], address.Endpoints);
        Assert.Equal("secret", address.Password);
        Assert.Equal("jobs", address.VirtualHost);
        Assert.Equal("amqp://ann@node1:5672,node2:5672,[::1]:5673/jobs", address.Display);
        Assert.DoesNotContain("secret", address.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAmqpsUriListDefaultsEveryNodeToTheTlsPort()
    {
        var address = BrokerAddress.From(new RabbitMqOptions { Uri = "amqps://ann:secret@node1,node2:5999" });

        Assert.True(address.UseTls);
        Assert.Equal([new BrokerEndpoint("node1", 5671), new BrokerEndpoint("node2", 5999)], address.Endpoints);
        Assert.Equal("/", address.VirtualHost);
    }

    [Fact]
    public void HostsFromEnvironmentVariablesReplaceHostAndTakePortAsTheirDefault()
    {
        // Environment variables as a deployment sets them, under a prefix of this test's own.
        var prefix = $"PYMARTEST{Guid.NewGuid():N}_";
        string[] names = [$"{prefix}Pymar__Broker__Hosts__0", $"{prefix}Pymar__Broker__Hosts__1", $"{prefix}Pymar__Broker__Port"];
        try
        {
            Environment.SetEnvironmentVariable(names[0], "10.0.0.1:5680");
            Environment.SetEnvironmentVariable(names[1], "10.0.0.2");
            Environment.SetEnvironmentVariable(names[2], "5700");
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var options = new RabbitMqOptions();
            configuration.GetSection(RabbitMqOptions.SectionName).Bind(options);

            var address = BrokerAddress.From(options);

            Assert.Equal([new BrokerEndpoint("10.0.0.1", 5680), new BrokerEndpoint("10.0.0.2", 5700)], address.Endpoints);
            Assert.Equal("amqp://guest@10.0.0.1:5680,10.0.0.2:5700/", address.Display);
        }
        finally
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public void AUriWinsOverHosts()
    {
        var options = new RabbitMqOptions { Uri = "amqp://ann:secret@node9/" };
        options.Hosts.Add("node1");

        Assert.Equal([new BrokerEndpoint("node9", 5672)], BrokerAddress.From(options).Endpoints);
    }

    [Fact]
    public void TheNodeAConnectionIsOnIsShownWithoutThePassword()
    {
        var address = BrokerAddress.From(new RabbitMqOptions { Uri = "amqp://ann:secret@node1,node2/jobs" });

        Assert.Equal("amqp://ann@node2:5672/jobs", address.DisplayNode("node2", 5672));
    }

    [Theory]
    [InlineData("host", 5672, "host", 5672)]
    [InlineData(" host:5673 ", 5672, "host", 5673)]
    [InlineData("10.1.2.3", 5671, "10.1.2.3", 5671)]
    [InlineData("[fe80::1]", 5672, "fe80::1", 5672)]
    [InlineData("[fe80::1]:5999", 5672, "fe80::1", 5999)]
    public void AnEndpointIsAHostWithAnOptionalPort(string text, int defaultPort, string host, int port)
    {
        Assert.True(BrokerEndpoint.TryParse(text, defaultPort, out var endpoint, out var error), error);
        Assert.Equal(new BrokerEndpoint(host, port), endpoint);
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:abc")]
    [InlineData("host:")]
    [InlineData("fe80::1")]
    [InlineData("[fe80::1")]
    [InlineData("[fe80::1]5672")]
    [InlineData("bad host")]
    [InlineData("")]
    public void AMalformedEndpointIsRefused(string text)
    {
        Assert.False(BrokerEndpoint.TryParse(text, 5672, out _, out var error));
        Assert.Contains($"'{text.Trim()}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://user:s3cret@host/", "amqp://user:***@host/")]
    [InlineData("amqp://user:pa@ss@word@host:5672/v", "amqp://user:***@host:5672/v")]
    [InlineData("amqps://user:pa@ss@h1,h2:5674/", "amqps://user:***@h1,h2:5674/")]
    [InlineData("amqp://user:pa/ss@word@host/", "amqp://user:***@host/")]
    [InlineData("amqp://host/", "amqp://host/")]
    public void RedactionHidesTheWholePasswordEvenWhenItHoldsAnAt(string uri, string shown) =>
        Assert.Equal(shown, BrokerAddress.Redact(uri));

    [Fact]
    public void AnInvalidUriWithAnAtInItsPasswordIsReportedWithoutThePassword()
    {
        var error = BrokerAddress.TryFrom(new RabbitMqOptions { Uri = "amqp://user:pa@ss-word9@host:0/" }, out var address);

        Assert.Null(address);
        Assert.NotNull(error);
        Assert.DoesNotContain("ss-word9", error, StringComparison.Ordinal);
    }
}
