using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.TestWorker;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// The producer side of the campaign: one long-lived host in this process (as a user's application is), on the cluster
/// over every node, running each job with the test worker's producers over the numbers 1 .. N.
/// </summary>
internal sealed class CampaignProducer : IAsyncDisposable
{
    /// <summary>How long the job with a slice above the broker's limit may take to fail.</summary>
    public static readonly TimeSpan OversizedDeadline = TimeSpan.FromSeconds(30);

    // One slice of about 24 MB of JSON: above the cluster's max_message_size (16 MiB), below Pymar's own 32 MiB limit.
    private static readonly Lazy<long[]> s_oversized = new(() => Enumerable.Repeat(CampaignPlan.SourceLength, 3_000_000).ToArray());

    private readonly IHost _host;
    private readonly ProducerClient _client;
    private readonly RabbitMqClientEvents _clientEvents;

    private CampaignProducer(IHost host, RabbitMqClientEvents clientEvents)
    {
        _host = host;
        _clientEvents = clientEvents;
        _client = host.Services.GetRequiredService<ProducerClient>();
    }

    public static async Task<CampaignProducer> StartAsync(TestCluster cluster, string prefix, CapturedLogs logs)
    {
        var configuration = cluster.BrokerEnvironment(1).ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        configuration["Pymar:Broker:QueuePrefix"] = prefix;
        configuration["Pymar:ComputeLocallyWhenUnreachable"] = "false";
        var host = await TestHost.StartAsync(
            configuration,
            pymar => pymar
                .AddProducer<SlowSumProducer>()
                .AddProducer<SecondSlowSumProducer>()
                .AddProducer<ThirdSlowSumProducer>()
                .AddDataSource<NumbersDataSource>()
                .UseRabbitMq(),
            logs,
            LogLevel.Information,
            (services, _) => services.AddSingleton(new TestSettings { Count = CampaignPlan.SourceLength }));
        return new CampaignProducer(host, new RabbitMqClientEvents(logs.CreateLogger("RabbitMQ.Client")));
    }

    /// <summary>Runs <paramref name="job"/> and returns its answer.</summary>
    public Task<long> RunAsync(JobSpec job, TimeSpan timeout, CancellationToken cancellationToken)
    {
        SlowSumProducer producer = job.Producer switch
        {
            "SlowSumProducer" => _host.Services.GetRequiredService<SlowSumProducer>(),
            "SecondSlowSumProducer" => _host.Services.GetRequiredService<SecondSlowSumProducer>(),
            _ => _host.Services.GetRequiredService<ThirdSlowSumProducer>(),
        };
        var options = new MapOptions { SliceCount = job.Slices == 0 ? SliceCount.Auto : job.Slices, Timeout = timeout };
        return _client.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(0, job.Count), options, cancellationToken);
    }

    /// <summary>Runs a job of one slice above the broker's message size limit; it must fail with the documented error.</summary>
    public Task<long> RunOversizedAsync(CancellationToken cancellationToken) =>
        _client.MapAsync(
            _host.Services.GetRequiredService<SlowSumProducer>(),
            DataSourceFactory<long>.FromItems(s_oversized.Value),
            new MapOptions { SliceCount = 1, Timeout = OversizedDeadline },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAndDisposeAsync(TimeSpan.FromSeconds(20));
        _clientEvents.Dispose();
    }
}
