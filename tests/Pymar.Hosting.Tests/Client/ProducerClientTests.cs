using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Tests.Support;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Tests.Client;

public sealed class ProducerClientTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    /// <summary>A producer-only host: its slices are published but nobody computes them.</summary>
    private static Task<Microsoft.Extensions.Hosting.IHost> StartHostWithoutWorkersAsync() =>
        TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>());

    [Fact]
    public async Task AJobWhoseSlicesNeverFinishFailsWithTheTimeoutError()
    {
        using var host = await StartHostWithoutWorkersAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MapTimeoutException>(() => client.MapAsync(
            new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        Assert.Equal(("SumProducer", 0, 4, 4), (error.ProducerName, error.CompletedSlices, error.TotalSlices, error.PublishedSlices));
        Assert.Contains("SumProducer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobWhoseSlicesNeverFinishIsComputedLocallyWhenAsked()
    {
        using var host = await StartHostWithoutWorkersAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();

        var sum = await client.MapAsync(
            new SumProducer(),
            DataSourceFactory<long>.For<NumbersDataSource>(),
            new MapOptions { Timeout = TimeSpan.FromMilliseconds(200), OnTimeout = TimeoutBehavior.ComputeLocally });

        Assert.Equal(5050, sum);
    }

    [Fact]
    public async Task CancellationStopsMapAsyncWithoutWaitingOnAnyClock()
    {
        // The job's clock never moves: a delay or a poll on the cancellation path would hold the job forever.
        var time = new FakeTimeProvider();
        using var host = await TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton<TimeProvider>(time);
            p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>();
        });
        var client = host.Services.GetRequiredService<ProducerClient>();
        var broker = host.Services.GetRequiredService<InProcessBroker>();
        using var cancellation = new CancellationTokenSource();

        var job = client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), cancellationToken: cancellation.Token);
        await Eventually.HoldsAsync(() => broker.CountWaiting("SumProducer") == 4, s_deadline, "the job's slices to be published");
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitAsync(s_deadline));
    }

    [Fact]
    public async Task StoppingTheHostEndsAJobThatWaitsForWorkersWithACancellationNamingTheJob()
    {
        using var host = await StartHostWithoutWorkersAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var broker = host.Services.GetRequiredService<InProcessBroker>();

        // No timeout and no token of the caller's: only the host's stopping can end this job.
        var job = client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>());
        await Eventually.HoldsAsync(() => broker.CountWaiting("SumProducer") == 4, s_deadline, "the job's slices to be published");
        await host.StopAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitAsync(s_deadline));
        Assert.Contains("SumProducer", error.Message, StringComparison.Ordinal);
        Assert.Contains("0 of 4 slice(s) answered: the host is stopping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASliceThatThrowsFailsTheJobNamingTheProducerTheWindowAndTheError()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<ThrowingProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));
        var client = host.Services.GetRequiredService<ProducerClient>();

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => client.MapAsync(
            new ThrowingProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline }));

        Assert.Equal(("ThrowingProducer", new SliceWindow(10, 10)), (error.ProducerName, error.Window));
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteError!.Type);
        Assert.Contains("13 is unlucky", error.Message, StringComparison.Ordinal);
        Assert.Contains("[10, 20)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InMemoryItemsTravelInTheirSlicesAndGiveTheAnswer()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddWorkers(o => o.Concurrency = 2));
        var client = host.Services.GetRequiredService<ProducerClient>();
        var items = Enumerable.Range(1, 1000).Select(i => (long)i).ToArray();

        var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.FromItems(items), new MapOptions { SliceCount = 7 });

        Assert.Equal(500500, sum);
    }

    [Fact]
    public async Task ProgressReportsEverySliceUpToTheTotal()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));
        var client = host.Services.GetRequiredService<ProducerClient>();
        var reports = new List<MapProgress>();

        await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 5, Progress = new SynchronousProgress(reports) });

        Assert.Equal([1, 2, 3, 4, 5], reports.Select(r => r.CompletedSlices));
        Assert.All(reports, r => Assert.Equal(5, r.TotalSlices));
    }

    [Fact]
    public async Task LocalModeFromConfigurationNeedsNoWorker()
    {
        using var host = await TestHosts.StartAsync(
            p => p.AddProducer<SumProducer>().AddDataSource<NumbersDataSource>(),
            new Dictionary<string, string?> { ["Pymar:ComputeLocally"] = "true" });
        var client = host.Services.GetRequiredService<ProducerClient>();
        var broker = host.Services.GetRequiredService<InProcessBroker>();

        var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<NumbersDataSource>());

        Assert.Equal(5050, sum);
        Assert.Equal(0, broker.CountWaiting("SumProducer"));
    }

    [Fact]
    public async Task AnEmptyDataSetReducesNothing()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<SumProducer>().AddWorkers(o => o.Concurrency = 1));
        var client = host.Services.GetRequiredService<ProducerClient>();

        var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.FromItems([]));

        Assert.Equal(0, sum);
    }

    private sealed class SynchronousProgress(List<MapProgress> reports) : IProgress<MapProgress>
    {
        public void Report(MapProgress value) => reports.Add(value);
    }
}
