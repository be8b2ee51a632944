using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;
using Pymar.Worker.Tests.Jobs;
using Pymar.Worker.Tests.Support;

namespace Pymar.Worker.Tests;

/// <summary>A job assembly's <see cref="IPymarWorkerStartup"/> registers what its data source takes in its constructor.</summary>
public sealed class StartupHookTests
{
    [Fact]
    public async Task TheStartupRegistersADataSourcesDependencyFromTheWorkersConfiguration()
    {
        var prefix = TestBroker.NewQueuePrefix();
        try
        {
            // The factor reaches the data source only through the startup, bound from the worker's environment.
            await using var worker = WorkerProcess.Start(
                ["--assembly", Programs.Jobs, "--producer", nameof(SumProducer), "--data-source", nameof(ScaledRangeDataSource), "--broker", TestBroker.Uri],
                new Dictionary<string, string> { ["Pymar__Broker__QueuePrefix"] = prefix, ["Jobs__Factor"] = "3" });
            await worker.WaitForLineAsync("consuming producers SumProducer", TimeSpan.FromSeconds(60));

            long sum;
            await using (var producer = await ProducerHost.StartAsync(
                prefix,
                pymar => pymar.AddProducer<SumProducer>().AddDataSource<ScaledRangeDataSource>(),
                (services, configuration) => new JobsStartup().ConfigureServices(services, configuration)))
            {
                sum = await producer.Client.MapAsync(
                    new SumProducer(), DataSourceFactory<long>.For<ScaledRangeDataSource>(), new MapOptions { SliceCount = 4, Timeout = TimeSpan.FromMinutes(1) });
            }

            Assert.True(sum == 3 * (ScaledRangeDataSource.Length * (ScaledRangeDataSource.Length - 1) / 2), $"sum {sum}\n{worker.Describe()}");
            Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await TestBroker.DeleteQueuesAsync(prefix, nameof(SumProducer));
        }
    }
}
