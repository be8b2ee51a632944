using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>
/// Which broker the options name when it comes from a connection string (<c>Pymar:Broker:ConnectionName</c>) or from
/// the app's own <see cref="IConnection"/> (<c>UseConnectionFromServices</c>), and the errors that stop the host at start.
/// </summary>
public sealed class BrokerFromAppSettingsTests
{
    private const string Password = "zq9Secret";

    [Fact]
    public void TheNamedConnectionStringWinsOverTheUriAndTheSeparateSettings()
    {
        using var services = Build(new()
        {
            ["Pymar:Broker:Uri"] = "amqp://other:pw@elsewhere:5672/",
            ["Pymar:Broker:Host"] = "ignored",
            ["Pymar:Broker:ConnectionName"] = "messaging",
            ["ConnectionStrings:messaging"] = $"amqp://ann:{Password}@node1:5680,node2/jobs",
        });

        var address = BrokerAddress.From(services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        Assert.Equal("amqp://ann@node1:5680,node2:5672/jobs", address.Display);
        Assert.Equal(Password, address.Password);
        Assert.Equal("jobs", address.VirtualHost);
    }

    [Fact]
    public void AConnectionNameSetInCodeFindsItsConnectionString()
    {
        using var services = Build(
            new() { ["ConnectionStrings:messaging"] = "amqps://ann:pw@broker.example/" },
            o => o.ConnectionName = "messaging");

        var address = BrokerAddress.From(services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        Assert.True(address.UseTls);
        Assert.Equal("amqps://ann@broker.example:5671/", address.Display);
    }

    [Fact]
    public void AMissingConnectionStringIsNamedByItsKey()
    {
        using var services = Build(new() { ["Pymar:Broker:ConnectionName"] = "messaging", ["ConnectionStrings:other"] = "amqp://a:b@h/" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        Assert.Contains("ConnectionStrings:messaging is missing or empty (Pymar:Broker:ConnectionName names it)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConnectionStringThatIsNotAnAmqpUriIsNamedWithoutItsPassword()
    {
        using var services = Build(new()
        {
            ["Pymar:Broker:ConnectionName"] = "messaging",
            ["ConnectionStrings:messaging"] = $"Host=db;Username=ann;Password={Password}",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        Assert.Contains("ConnectionStrings:messaging must be amqp://", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheConnectionFromServicesPassesWhenAnIConnectionIsRegistered()
    {
        // Registered by a factory that is never called: validation only asks whether one is registered.
        using var services = Build(
            new() { ["Pymar:Broker:UseConnectionFromServices"] = "true" },
            configureServices: s => s.AddSingleton<IConnection>(_ => throw new InvalidOperationException("not resolved by validation")));

        var options = services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;

        Assert.True(options.UseConnectionFromServices);
        Assert.Same(BrokerAddress.FromServices, BrokerAddress.From(options));
    }

    [Fact]
    public void TheConnectionFromServicesWithAUriOrConnectionNameIsRefused()
    {
        using var services = Build(
            new() { ["Pymar:Broker:UseConnectionFromServices"] = "true", ["Pymar:Broker:ConnectionName"] = "messaging", ["ConnectionStrings:messaging"] = "amqp://a:b@h/" },
            configureServices: s => s.AddSingleton<IConnection>(_ => throw new InvalidOperationException("not resolved by validation")));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        Assert.Contains("Pymar:Broker:Uri and Pymar:Broker:ConnectionName must not be set with it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostDoesNotStartWhenTheConnectionFromServicesIsNotRegistered()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pymar:Transport"] = RabbitMqTransport.Name });
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq(o => o.UseConnectionFromServices = true);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Broker:UseConnectionFromServices is true but no RabbitMQ.Client.IConnection is registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostDoesNotStartWhenTheNamedConnectionStringIsMissing()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pymar:Transport"] = RabbitMqTransport.Name });
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq(o => o.ConnectionName = "messaging");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ConnectionStrings:messaging is missing or empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheConnectionFromServicesIsRefusedWhenItsFactoryDoesNotRecover()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConnectionFactory>(new ConnectionFactory { AutomaticRecoveryEnabled = false })
            .AddSingleton<IConnection>(_ => throw new InvalidOperationException("not resolved when the factory is refused"))
            .BuildServiceProvider();
        await using var connection = RabbitMqConnection.Create(new RabbitMqOptions { UseConnectionFromServices = true }, services, NullLogger.Instance);

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() => connection.GetAsync(CancellationToken.None));

        Assert.Contains("AutomaticRecoveryEnabled set to false", error.Message, StringComparison.Ordinal);
        await services.DisposeAsync();
    }

    private static ServiceProvider Build(Dictionary<string, string?> configuration, Action<RabbitMqOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddPymar(builder.Configuration).UseRabbitMq(configure);
        configureServices?.Invoke(builder.Services);
        return builder.Services.BuildServiceProvider();
    }
}
