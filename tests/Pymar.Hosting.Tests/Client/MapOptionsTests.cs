using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>A setting of <see cref="MapOptions"/> out of its range fails the call at once, naming the setting.</summary>
public sealed class MapOptionsTests
{
    public static TheoryData<string, MapOptions> OutOfRange => new()
    {
        { "Timeout", new MapOptions { Timeout = TimeSpan.Zero } },
        { "Timeout", new MapOptions { Timeout = TimeSpan.FromSeconds(-1) } },
        { "Timeout", new MapOptions { Timeout = Timeout.InfiniteTimeSpan } },
        { "OnTimeout", new MapOptions { OnTimeout = (TimeoutBehavior)42 } },
        { "RetryCount", new MapOptions { RetryCount = -1 } },
        { "RetryBackoff", new MapOptions { RetryBackoff = TimeSpan.FromMilliseconds(-1) } },
        { "StragglerMultiple", new MapOptions { StragglerMultiple = 0.5 } },
        { "StragglerMultiple", new MapOptions { StragglerMultiple = double.NaN } },
        { "StragglerFloor", new MapOptions { StragglerFloor = TimeSpan.FromSeconds(-5) } },
        { "ReconnectTimeout", new MapOptions { ReconnectTimeout = TimeSpan.FromSeconds(-1) } },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task ASettingOutOfItsRangeFailsTheCallAtOnceNamingTheSetting(string setting, MapOptions options)
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 1));
        var client = host.Services.GetRequiredService<ProducerClient>();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains($"MapOptions.{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEdgesOfEachRangeAreAccepted()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 1));
        var client = host.Services.GetRequiredService<ProducerClient>();
        var options = new MapOptions
        {
            Timeout = TimeSpan.FromHours(1),
            RetryCount = 0,
            RetryBackoff = TimeSpan.Zero,
            StragglerMultiple = 1,
            StragglerFloor = TimeSpan.Zero,
            ReconnectTimeout = TimeSpan.Zero,
        };

        Assert.Equal(5050, await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), options));
    }
}
