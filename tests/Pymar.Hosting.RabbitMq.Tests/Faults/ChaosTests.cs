extern alias examples;

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using examples::Pymar.Examples;
using examples::Pymar.Examples.SquaredSum;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>Broker restarts, lost connections, health and TLS, on the disposable fault-test broker.</summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);
    private readonly string _prefix = $"pymar.t{Guid.NewGuid():N}.";
    private readonly List<IHost> _hosts = [];
    private readonly SliceHold _hold = new();

    [Theory]
    [InlineData("close_all_connections", "pymar fault test")]
    [InlineData("restart")]
    public async Task AJobSurvivesTheBrokerLosingItsConnections(string fault, params string[] arguments)
    {
        var logs = new CapturedLogs();
        var worker = await StartHostAsync(logs, ChaosBroker.Uri, workers: 1);
        var producer = await StartHostAsync(logs, ChaosBroker.Uri, workers: 0);
        var job = producer.Services.GetRequiredService<ProducerClient>().MapAsync(
            new HeldSquaredSumProducer(_hold), DataSourceFactory<long>.For<RangeDataSource>(), new MapOptions { SliceCount = 40, Timeout = s_deadline });
        await Eventually.ReadAsync(() => Task.FromResult(worker.Services.GetRequiredService<WorkerService>().CompletedSlices), n => n >= SliceHold.Free, s_deadline, "the free slices to be answered", TimeSpan.FromMilliseconds(5));
        await Eventually.HoldsAsync(() => _hold.Held > 0, s_deadline, "a slice to wait at the hold");

        if (fault == "restart")
        {
            await ChaosBroker.CtlAsync("stop_app");
            await ChaosBroker.CtlAsync("start_app");
        }
        else
        {
            await ChaosBroker.CtlAsync([fault, .. arguments]);
        }

        // The fault landed in the middle of the job: the held slice has not been answered.
        Assert.False(job.IsCompleted, $"The job ended before the fault: {job.Status}.\n{logs.All}");
        _hold.Open();

        Assert.Equal(PymarExamples.SquaredSumAnswer, (await job).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(logs.Lines, l => l.Contains("Lost the connection to RabbitMQ", StringComparison.Ordinal));

        // The reply queue went with the connection, so the producer asked again for the unanswered slices (event 2008).
        Assert.Contains(logs.Lines, l => l.Contains("[2008] ", StringComparison.Ordinal));

        // The client raises its recovery event after the consumers are back, so the job can finish first.
        await Eventually.ReadAsync(() => Task.FromResult(logs.Lines), lines => lines.Any(l => l.Contains("Recovered the connection to RabbitMQ", StringComparison.Ordinal)), s_deadline, "the recovery log line");
    }

    [Fact]
    public async Task ASliceThatOutlivesTheBrokersConsumerTimeoutIsAnsweredOnceAndTheJobEnds()
    {
        // The fault-test broker has consumer_timeout = 10 s, checked every second (deploy/rabbitmq/start-chaos.sh).
        var logs = new CapturedLogs();
        await StartHostAsync(logs, ChaosBroker.Uri, workers: 1);
        var producer = await StartHostAsync(logs, ChaosBroker.Uri, workers: 0);
        var watch = Stopwatch.StartNew();

        var answer = await producer.Services.GetRequiredService<ProducerClient>().MapAsync(
            new OutlivingSquaredSumProducer(logs), DataSourceFactory<long>.For<RangeDataSource>(), new MapOptions { SliceCount = 1, Timeout = s_deadline });

        Assert.Equal(PymarExamples.SquaredSumAnswer, answer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(watch.Elapsed < OutlivingSquaredSumProducer.MaxWait, $"the slice waited {watch.Elapsed} without the broker closing its channel");
        Assert.Contains(logs.Lines, l => l.Contains(OutlivingSquaredSumProducer.ChannelClosedLine + " (406 PRECONDITION_FAILED", StringComparison.Ordinal) && l.Contains("timed out", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("sending its answer on another channel", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("Reopened the consuming channel", StringComparison.Ordinal));

        // The worker's one slot is free again (the redelivered copy is dropped or answered at once): the next job runs.
        Assert.Equal(PymarExamples.WordCountAnswer, await Run(producer, "word-count", new MapOptions { Timeout = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public async Task TheHealthCheckIsUnhealthyWhileTheBrokerIsDownAndHealthyAgainAfter()
    {
        var host = await StartHostAsync(new CapturedLogs(), ChaosBroker.Uri, workers: 1, health: true);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await Eventually.ReadAsync(() => health.CheckHealthAsync(), r => r.Status == HealthStatus.Healthy, s_deadline, "healthy at start");

        await ChaosBroker.CtlAsync("stop_app");
        var down = await Eventually.ReadAsync(() => health.CheckHealthAsync(), r => r.Status == HealthStatus.Unhealthy, s_deadline, "unhealthy with the broker down");
        await ChaosBroker.CtlAsync("start_app");
        var up = await Eventually.ReadAsync(() => health.CheckHealthAsync(), r => r.Status == HealthStatus.Healthy, s_deadline, "healthy again");

        Assert.Contains("Not connected", down.Entries["pymar"].Description, StringComparison.Ordinal);
        Assert.Equal(PymarExamples.WordCountAnswer, await Run(host, "word-count", new MapOptions { Timeout = s_deadline }));
        Assert.Equal(HealthStatus.Healthy, up.Status);
    }

    [Fact]
    public async Task AmqpsWithThePrivateCaConnectsAndAnswers()
    {
        var logs = new CapturedLogs();
        var host = await StartHostAsync(logs, ChaosBroker.TlsUri, workers: 2, configure: c => c["Pymar:Broker:TlsCaCertificatePath"] = ChaosBroker.CaCertificate);

        Assert.Equal(PymarExamples.WordCountAnswer, await Run(host, "word-count", new MapOptions { Timeout = s_deadline }));
        Assert.Contains(logs.Lines, l => l.Contains("Connected to RabbitMQ at amqps://guest@localhost:5674/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AmqpsWithAnUntrustedCertificateFailsClearly()
    {
        var logs = new CapturedLogs();
        var host = await StartHostAsync(logs, "amqps://guest:tls-secret-789@localhost:5674/", workers: 0);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => Run(host, "word-count", new MapOptions { Timeout = s_deadline }));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Contains("TLS handshake with RabbitMQ at amqps://guest@localhost:5674/ failed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tls-secret-789", error.ToString() + logs.All, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _hold.Open();
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }
    }

    private static Task<string> Run(IHost host, string example, MapOptions options) =>
        PymarExamples.Find(example)!.Run(host.Services.GetRequiredService<ProducerClient>(), host.Services, options, CancellationToken.None);

    private async Task<IHost> StartHostAsync(CapturedLogs logs, string uri, int workers, bool health = false, Action<Dictionary<string, string?>>? configure = null)
    {
        var configuration = TestHost.RabbitMqConfiguration(_prefix, uri);
        configure?.Invoke(configuration);
        var host = await TestHost.StartAsync(
            configuration,
            pymar =>
            {
                pymar.AddExamples().AddProducer<HeldSquaredSumProducer>().AddProducer<OutlivingSquaredSumProducer>().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            logs,
            LogLevel.Information,
            (services, _) =>
            {
                services.AddSingleton(logs).AddSingleton(_hold);
                if (health)
                {
                    services.AddHealthChecks().AddPymar();
                }
            });
        _hosts.Add(host);
        if (workers > 0)
        {
            await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        }

        return host;
    }
}
