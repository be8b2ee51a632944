using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

/// <summary><c>Pymar:Worker:Concurrency</c> as a number or a range: how it reads, binds and is checked at start.</summary>
public sealed class WorkerConcurrencyTests
{
    [Theory]
    [InlineData("4", 4, 4, "4")]
    [InlineData("2..8", 2, 8, "2..8")]
    [InlineData(" 2 .. 8 ", 2, 8, "2..8")]
    [InlineData("3..3", 3, 3, "3")]
    public void ANumberIsFixedAndARangeIsElastic(string text, int min, int max, string written)
    {
        var concurrency = WorkerConcurrency.Parse(text);

        Assert.Equal((min, max, max > min, written), (concurrency.Min, concurrency.Max, concurrency.IsElastic, concurrency.ToString()));
        Assert.Equal(concurrency, WorkerConcurrency.Parse(written));
    }

    [Theory]
    [InlineData("")]
    [InlineData("four")]
    [InlineData("2..")]
    [InlineData("..8")]
    [InlineData("2...8")]
    [InlineData("2..8..9")]
    [InlineData("2-8")]
    public void MalformedTextIsRefusedSayingWhatIsExpected(string text)
    {
        Assert.False(WorkerConcurrency.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => WorkerConcurrency.Parse(text));
        Assert.Contains("such as 2..8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANumberInCodeIsAFixedConcurrency()
    {
        var options = new WorkerOptions { Concurrency = 4 };

        Assert.Equal(new WorkerConcurrency(4, 4), options.Concurrency);
        Assert.False(options.Concurrency.IsElastic);
    }

    [Theory]
    [InlineData("""{ "Pymar": { "Worker": { "Concurrency": 4 } } }""", 4, 4)]
    [InlineData("""{ "Pymar": { "Worker": { "Concurrency": "2..8" } } }""", 2, 8)]
    public void AppSettingsBindsANumberAndARange(string json, int min, int max)
    {
        using var host = Build(configuration => configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Equal(new WorkerConcurrency(min, max), host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Concurrency);
    }

    [Fact]
    public async Task MalformedConcurrencyInConfigurationFailsTheStartNamingTheKey()
    {
        using var host = TestHosts.Build(p => p.AddProducer<SumProducer>().AddWorkers(), new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = "2..x" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Worker:Concurrency", error.Message, StringComparison.Ordinal);
        Assert.Contains("'2..x' is not a concurrency", error.InnerException?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "Pymar:Worker:Concurrency must be between 1 and 1024 (it is 0)")]
    [InlineData("2000", "Pymar:Worker:Concurrency must be between 1 and 1024 (it is 2000)")]
    [InlineData("0..4", "Pymar:Worker:Concurrency must lie between 1 and 1024: min at least 1, max at most 1024 (it is 0..4)")]
    [InlineData("2..2000", "Pymar:Worker:Concurrency must lie between 1 and 1024: min at least 1, max at most 1024 (it is 2..2000)")]
    [InlineData("8..2", "Pymar:Worker:Concurrency must be a range min..max with max at least min (it is 8..2)")]
    public async Task AConcurrencyOutOfBoundsFailsTheStartNamingTheKey(string value, string message)
    {
        using var host = TestHosts.Build(p => p.AddProducer<SumProducer>().AddWorkers(), new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    public async Task AScaleDownAfterThatIsNotPositiveFailsTheStartNamingTheKey(string value)
    {
        using var host = TestHosts.Build(
            p => p.AddProducer<SumProducer>().AddWorkers(),
            new Dictionary<string, string?> { ["Pymar:Worker:Concurrency"] = "2..4", ["Pymar:Worker:ScaleDownAfter"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pymar:Worker:ScaleDownAfter must be positive", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Action<IConfigurationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        configure(builder.Configuration);
        builder.Services.AddPymar(o => o.Transport = PymarOptions.InProcessTransport).AddProducer<SumProducer>().AddWorkers();
        return builder.Build();
    }
}
