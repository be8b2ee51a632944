using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.DependencyInjection;

public sealed class RegistrationTests
{
    [Fact]
    public async Task TwoProducersAndTwoDataSourcesAreRegisteredByNameAndBothAnswer()
    {
        using var host = await TestHosts.StartAsync(p => p
            .AddProducer<SumProducer>()
            .AddProducer<CountProducer>()
            .AddDataSource<NumbersDataSource>()
            .AddDataSource<WordsDataSource>()
            .AddWorkers(o => o.Concurrency = 2));
        var registry = host.Services.GetRequiredService<PymarRegistry>();
        var client = host.Services.GetRequiredService<ProducerClient>();

        var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>());
        var count = await client.MapAsync(new CountProducer(), DataSourceFactory<string>.For<WordsDataSource>());

        Assert.Equal(["CountProducer", "SumProducer"], registry.Producers.Select(p => p.Name).Order());
        Assert.Equal(["NumbersDataSource", "WordsDataSource"], registry.DataSources.Select(p => p.Name).Order());
        Assert.Equal((5050L, 5L), (sum, count));
        await host.StopAsync();
    }

    [Fact]
    public async Task PiecemealRegistrationMatchesTheBuilder()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPymar(new ConfigurationBuilder().Build());
        Type loadedAtRunTime = typeof(NumbersDataSource);
        services.AddPymarProducer<SumProducer>("Sum").AddPymarDataSource(loadedAtRunTime);
        await using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<PymarRegistry>();
        var sum = await provider.GetRequiredService<ProducerClient>()
            .MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { ComputeLocally = true });

        Assert.Equal(typeof(SumProducer), registry.GetProducer("Sum").ProducerType);
        Assert.Equal("NumbersDataSource", registry.GetDataSource(typeof(NumbersDataSource)).Name);
        Assert.Equal(5050, sum);
    }

    [Fact]
    public void TheSameRegistrationTwiceIsKeptOnce()
    {
        var services = new ServiceCollection();
        services.AddPymar().AddProducer<SumProducer>().AddDataSource<NumbersDataSource>();
        Type loadedAtRunTime = typeof(SumProducer);
        services.AddPymarProducer(loadedAtRunTime).AddPymarDataSource<NumbersDataSource>();

        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(ProducerRegistration)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(DataSourceRegistration)));
    }

    [Fact]
    public void AddPymarWithCodeStillReadsTheWorkerSectionOfTheHostsConfiguration()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = "3", ["Pymar:DefaultTimeout"] = "00:01:00" });
        builder.Services.AddPymar(o => o.Transport = PymarOptions.InProcessTransport).AddProducer<SumProducer>().AddWorkers();
        using var host = builder.Build();

        Assert.Equal(3, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Concurrency);
        Assert.Equal(TimeSpan.FromMinutes(1), host.Services.GetRequiredService<IOptions<PymarOptions>>().Value.DefaultTimeout);
    }

    [Theory]
    [InlineData("Pymar:LocalMode", "Pymar:ComputeLocally")]
    [InlineData("Pymar:FallBackToLocal", "Pymar:ComputeLocallyWhenUnreachable")]
    public async Task ARenamedKeyFailsTheHostStartNamingTheNewKey(string oldKey, string newKey)
    {
        using var host = TestHosts.Build(p => p.AddProducer<SumProducer>(), new Dictionary<string, string?> { [oldKey] = "true" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(newKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnregisteredProducerGivesAClearError()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>());
        var client = host.Services.GetRequiredService<ProducerClient>();

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            client.MapAsync(new UnregisteredProducer(), DataSourceFactory<long>.For<NumbersDataSource>()));

        Assert.Contains("'UnregisteredProducer'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddProducer<UnregisteredProducer>()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AProducerNameThatIsNotRegisteredGivesAClearError()
    {
        var registry = new PymarRegistry([], []);

        var error = Assert.Throws<PymarConfigurationException>(() => registry.GetProducer("Nope"));

        Assert.Contains("No producer is registered under the name 'Nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnregisteredDataSourceGivesAClearError()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>());
        var client = host.Services.GetRequiredService<ProducerClient>();

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>()));

        Assert.Contains("AddDataSource<NumbersDataSource>()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoTypesUnderOneNameAreRefused()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPymar().AddProducer<SumProducer>("Same").AddProducer<ThrowingProducer>("Same");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<PymarConfigurationException>(() => provider.GetRequiredService<PymarRegistry>());

        Assert.Contains("'Same'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANameThatCannotBeAQueueNameIsRefused()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddPymar().AddProducer<SumProducer>("has space"));
    }

    [Fact]
    public async Task AConcurrencyOfZeroFailsTheHostStartNamingTheKey()
    {
        using var host = TestHosts.Build(
            p => p.AddProducer<SumProducer>().AddWorkers(),
            new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Worker:Concurrency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownTransportNameFailsNamingTheKey()
    {
        using var host = TestHosts.Build(
            p => p.AddProducer<SumProducer>().AddWorkers(),
            new Dictionary<string, string?> { ["Pymar:Transport"] = "Carrier-Pigeon" });

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Transport", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerConcurrencyIsBoundFromConfiguration()
    {
        using var host = TestHosts.Build(
            p => p.AddProducer<SumProducer>().AddWorkers(),
            new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = "3" });

        Assert.Equal(3, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Concurrency);
    }

    [Fact]
    public void AHostThatOnlyProducesHasNoWorkerPool()
    {
        using var host = TestHosts.Build(p => p.AddProducer<SumProducer>());

        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<WorkerService>());
    }
}
