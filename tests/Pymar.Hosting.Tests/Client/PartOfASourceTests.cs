using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>Pymar's <c>DataSourceFactory(cls, limit, offset)</c>: mapping over part of a registered source.</summary>
public sealed class PartOfASourceTests
{
    private static Task<Microsoft.Extensions.Hosting.IHost> StartHostAsync() =>
        TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));

    [Theory]
    [InlineData(0, 100, 1, 5050)]    // all of it: 1 + … + 100
    [InlineData(10, 20, 3, 410)]     // items 10 .. 29 hold 11 .. 30
    [InlineData(99, 1, 4, 100)]      // the last item alone
    [InlineData(90, 50, 4, 955)]     // past the end stops at the end: 91 + … + 100
    [InlineData(150, 10, 4, 0)]      // wholly past the end: nothing to map
    public async Task OnlyThePartAskedForIsMapped(long offset, long limit, int slices, long expected)
    {
        using var host = await StartHostAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var part = DataSourceFactory<long>.For<NumbersDataSource>(offset, limit);

        var onWorkers = await client.MapAsync(new SumProducer(), part, new MapOptions { SliceCount = slices });
        var local = await client.MapAsync(new SumProducer(), part, new MapOptions { ComputeLocally = true });

        Assert.Equal((expected, expected), (onWorkers, local));
    }

    [Fact]
    public void ANegativePartIsRefusedWhereItIsMade()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSourceFactory<long>.For<NumbersDataSource>(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSourceFactory<long>.For<NumbersDataSource>(0, -1));
    }
}
