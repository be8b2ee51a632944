using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// On the real broker: a slice that throws (retries, fail fast within a second, collected failures) and a
/// cancelled job (returns at once, running slices cancelled, waiting ones never computed). The worker and producer
/// hosts run in the test process; every slice and reply goes through RabbitMQ.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class SliceFailureTests(BrokerFixture broker) : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly BrokerScope _scope = broker.NewScope();
    private readonly List<IHost> _hosts = [];
    private readonly CapturedLogs _logs = new();
    private readonly SliceFaults _faults = new();
    private readonly SliceGate _gate = new();

    [Fact]
    public async Task ASliceThatKeepsThrowingIsRetriedThenFailsTheJobWithinASecondNamingProducerWindowAndError()
    {
        _faults.Fail(offset: 25);
        await StartWorkerAsync(concurrency: 2);
        var client = await StartProducerAsync();

        var error = await Assert.ThrowsAsync<SliceFailedException>(() => client.MapAsync(
            new FlakySumProducer(_faults), DataSourceFactory<long>.For<HundredNumbers>(),
            new MapOptions { SliceCount = 4, RetryCount = 2, RetryBackoff = TimeSpan.FromMilliseconds(100), Timeout = s_deadline }));
        var failedAt = Stopwatch.GetTimestamp();

        Assert.Equal(nameof(FlakySumProducer), error.ProducerName);
        Assert.Equal(new SliceWindow(25, 25), error.Window);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteError!.Type);
        Assert.Equal("Slice [25, 50) failed on purpose.", error.RemoteError.Message);
        Assert.Contains(nameof(FlakySumProducer.ComputeSlice), error.RemoteError.StackTrace, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.RemoteError.WorkerId));
        Assert.Contains("[25, 50)", error.Message, StringComparison.Ordinal);
        var attempts = _faults.AttemptsAt(25);
        Assert.Equal(3, attempts.Count);
        var sinceLastAttempt = Stopwatch.GetElapsedTime(attempts[^1], failedAt);
        Assert.True(sinceLastAttempt < TimeSpan.FromSeconds(1), $"MapAsync failed {sinceLastAttempt} after the last attempt started");

        // The worker keeps serving: the next job is answered.
        Assert.Equal(HundredNumbers.Sum, await client.MapAsync(new FlakySumProducer(_faults), DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { SliceCount = 2, Timeout = s_deadline }));
    }

    [Fact]
    public async Task ASliceThatFailsOnceIsRetriedAndTheAnswerIsExact()
    {
        _faults.Fail(offset: 50, times: 1);
        await StartWorkerAsync(concurrency: 2);
        var client = await StartProducerAsync();

        var answer = await client.MapAsync(new FlakySumProducer(_faults), DataSourceFactory<long>.For<HundredNumbers>(),
            new MapOptions { SliceCount = 4, RetryCount = 1, RetryBackoff = TimeSpan.FromMilliseconds(50), Timeout = s_deadline });

        Assert.Equal(HundredNumbers.Sum, answer);
        Assert.Equal(2, _faults.AttemptsAt(50).Count);
        Assert.Single(_faults.AttemptsAt(0));
    }

    [Fact]
    public async Task CollectingFailuresReducesTheOtherSlicesAndListsTheFailedOne()
    {
        _faults.Fail(offset: 0);
        await StartWorkerAsync(concurrency: 2);
        var client = await StartProducerAsync();

        var result = await client.MapWithFailuresAsync(new FlakySumProducer(_faults), DataSourceFactory<long>.For<HundredNumbers>(),
            new MapOptions { SliceCount = 4, Timeout = s_deadline });

        Assert.False(result.Succeeded);
        Assert.Equal(HundredNumbers.Sum - (24 * 25 / 2), result.Value);
        var failure = Assert.Single(result.Failures);
        Assert.Equal((0, new SliceWindow(0, 25)), (failure.SliceIndex, failure.Window));
        Assert.Equal("Slice [0, 25) failed on purpose.", failure.Error.Message);
    }

    [Fact]
    public async Task CancellingAJobReturnsAtOnceCancelsItsRunningSlicesAndNeverComputesTheWaitingOnes()
    {
        var worker = await StartWorkerAsync(concurrency: 2);
        var client = await StartProducerAsync();
        using var cancel = new CancellationTokenSource();

        var job = client.MapAsync(new BlockingSumProducer(_gate), DataSourceFactory<long>.For<HundredNumbers>(), new MapOptions { SliceCount = 10, Timeout = s_deadline }, cancel.Token);
        await Eventually.ReadAsync(() => Task.FromResult(_gate.Started), started => started == 2, s_deadline, "both worker slots to run a slice");
        var cancelledAt = Stopwatch.StartNew();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job);
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(1), $"MapAsync returned {cancelledAt.Elapsed} after the cancellation");

        // The job-ended broadcast reaches the worker: the running slices see their cancellation, the other eight are
        // dropped without running, and the queue is left empty.
        await Eventually.ReadAsync(() => Task.FromResult(_gate.Cancelled), cancelled => cancelled == 2, s_deadline, "the running slices to be cancelled");
        await Eventually.ReadAsync(() => Task.FromResult(DroppedSlices()), dropped => dropped == 10, s_deadline, "every slice of the job to be dropped");
        Assert.Equal(2, _gate.Started);
        Assert.Equal(0L, worker.Services.GetRequiredService<WorkerService>().CompletedSlices);
        await StopHostsAsync();
        await _scope.AssertNothingLeftAsync(nameof(BlockingSumProducer));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await StopHostsAsync();
        await _scope.DisposeAsync();
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(FlakySumProducer)));
        await broker.DeleteQueueAsync(_scope.WorkQueue(nameof(BlockingSumProducer)));
    }

    private int DroppedSlices() => _logs.Lines.Count(l => l.Contains($"({nameof(BlockingSumProducer)}) dropped: its job", StringComparison.Ordinal));

    /// <summary>Stops and disposes the hosts (a client's reply queue goes when the client is disposed).</summary>
    private async Task StopHostsAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync(TimeSpan.FromSeconds(15));
        }

        _hosts.Clear();
    }

    private async Task<IHost> StartWorkerAsync(int concurrency)
    {
        var host = await StartHostAsync(concurrency);
        await host.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        return host;
    }

    private async Task<ProducerClient> StartProducerAsync() => (await StartHostAsync(workers: 0)).Services.GetRequiredService<ProducerClient>();

    private async Task<IHost> StartHostAsync(int workers)
    {
        var host = await TestHost.StartAsync(
            _scope.Configuration(),
            pymar =>
            {
                pymar.AddProducer<FlakySumProducer>().AddProducer<BlockingSumProducer>().AddDataSource<HundredNumbers>().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            _logs,
            LogLevel.Debug,
            (services, _) => services.AddSingleton(_faults).AddSingleton(_gate));
        _hosts.Add(host);
        return host;
    }
}
