using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

public sealed class SliceCountTests
{
    [Fact]
    public void AnIntIsAFixedCountAndTheDefaultIsAuto()
    {
        SliceCount eight = 8;
        var options = new MapOptions { SliceCount = 8 };

        Assert.Equal((false, 8, "8"), (eight.IsAuto, eight.Value, eight.ToString()));
        Assert.Equal(SliceCount.Fixed(8), options.SliceCount);
        Assert.Equal((true, null, "Auto"), (SliceCount.Auto.IsAuto, SliceCount.Auto.Value, SliceCount.Auto.ToString()));
        Assert.Equal(SliceCount.Auto, default);
        Assert.NotEqual(SliceCount.Auto, SliceCount.Fixed(1));
        Assert.Null(new MapOptions().SliceCount);
    }

    [Fact]
    public void ANullableIntConvertsToo()
    {
        int? none = null;
        int? three = 3;

        Assert.Null(new MapOptions { SliceCount = none }.SliceCount);
        Assert.Equal(SliceCount.Fixed(3), new MapOptions { SliceCount = three }.SliceCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void AFixedCountBelowOneIsRejected(int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceCount.Fixed(count));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MapOptions { SliceCount = count });
    }

    [Theory]
    [InlineData("AutoSliceBalance", "0")]
    [InlineData("AutoSliceMinItems", "-1")]
    [InlineData("AutoSliceFallback", "0")]
    public void AutoSettingsBelowOneStopTheHostNamingTheKey(string key, string value)
    {
        using var host = TestHosts.Build(p => p.AddProducer<SumProducer>(), new Dictionary<string, string?> { ["Pymar:" + key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PymarOptions>>().Value);
        Assert.Contains("Pymar:" + key, error.Message, StringComparison.Ordinal);
    }
}
