using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// A partial value whose reply is over the worker's message size limit (<c>Pymar:Broker:MaxMessageBytes</c>) is not
/// published: the worker answers with an error that names the slice, the size and the setting, and the job fails
/// with <see cref="SliceFailedException"/> at once instead of waiting for an answer that cannot come.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class OversizedReplyTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Limit = 1024 * 1024;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    private readonly List<IHost> _hosts = [];
    private readonly CapturedLogs _logs = new();

    [Fact]
    public async Task APartialValueOverTheMessageLimitFailsTheJobWithAnErrorNamingTheSliceItsSizeAndTheSetting()
    {
        var worker = await StartHostAsync(workers: 2);
        await worker.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        var client = (await StartHostAsync(workers: 0)).Services.GetRequiredService<ProducerClient>();
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => client.MapAsync(
            new LargePartialProducer(), DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { SliceCount = 4, Timeout = s_deadline }));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"The job failed after {watch.Elapsed}.");
        Assert.Equal(new SliceWindow(0, 25), error.Window);
        var message = error.RemoteError!.Message;
        Assert.Contains("slice 0 [0, 25)", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Limit.ToString(CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", message, StringComparison.Ordinal);
        var size = long.Parse(System.Text.RegularExpressions.Regex.Match(message, @"of (\d+) bytes as a reply").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(size > LargePartialProducer.LargeChars, message);

        // The worker keeps serving the same producer.
        Assert.Equal(HundredNumbers.Sum, await client.MapAsync(new FlakySumProducer(new SliceFaults()), DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { SliceCount = 4, Timeout = s_deadline }));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }

        await _scope.DisposeAsync();

        // The scope deletes the queues of the example producers; these two are the test's own.
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(LargePartialProducer)));
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(FlakySumProducer)));
    }

    private async Task<IHost> StartHostAsync(int workers)
    {
        var configuration = _scope.Configuration();
        configuration["Pymar:Broker:MaxMessageBytes"] = Limit.ToString(CultureInfo.InvariantCulture);
        var host = await TestHost.StartAsync(
            configuration,
            pymar =>
            {
                pymar.AddProducer<LargePartialProducer>().AddProducer<FlakySumProducer>().AddDataSource<HundredNumbers>().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            _logs,
            LogLevel.Information,
            (services, _) => services.AddSingleton(new SliceFaults()));
        _hosts.Add(host);
        return host;
    }
}
