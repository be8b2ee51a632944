extern alias examples;

using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using examples::Pymar.Examples;
using examples::Pymar.Examples.SquaredSum;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// The broker closes the producer's connection while a large job is still publishing its slices: the job waits for
/// the connection to come back, publishes what was not confirmed, and answers exactly, on the workers.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class PublishingConnectionLossTests : IAsyncLifetime
{
    private const int Slices = 20_000;
    private static readonly TimeSpan s_deadline = TimeSpan.FromMinutes(3);
    private readonly string _prefix = $"pymar.t{Guid.NewGuid():N}.";
    private readonly List<IHost> _hosts = [];

    [Fact]
    public async Task AJobWhoseConnectionTheBrokerClosesWhilePublishingAnswersExactlyWithoutComputingLocally()
    {
        var workerLogs = new CapturedLogs();
        var producerLogs = new CapturedLogs();
        var worker = await StartHostAsync(workerLogs, workers: 4, LogLevel.Warning);
        var gate = new PublishGate(heldAfter: 1_000);
        var producer = await StartHostAsync(producerLogs, workers: 0, LogLevel.Debug, gate);

        // The producer's own connection, by the address it connects from: the worker's (and other programs') stay open.
        var connection = await producer.Services.GetRequiredService<RabbitMqTransport>().Connection.GetAsync(CancellationToken.None);
        var name = $"127.0.0.1:{connection.LocalPort} -> 127.0.0.1:5673";
        var listed = await Shell.RunCheckedAsync(ChaosCtl, ["list_connections", "--quiet", "--no-table-headers", "pid", "name"], s_deadline);
        var pid = listed.Split('\n').Select(l => l.Split('\t')).Single(f => f.Length == 2 && f[1].Trim() == name)[0].Trim();

        var job = producer.Services.GetRequiredService<ProducerClient>().MapAsync(
            new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(), new MapOptions { SliceCount = Slices, Timeout = s_deadline });

        // The broker closes the connection once the job has published its first thousand slices, while the others
        // wait to be published; they go on once the producer has seen the connection drop.
        await Eventually.HoldsAsync(() => gate.Held, s_deadline, "the first thousand slices to be published");
        await ChaosBroker.CtlAsync("close_connection", pid, "pymar publishing test");
        await Eventually.HoldsAsync(() => producerLogs.Lines.Any(l => l.Contains("Lost the connection to RabbitMQ", StringComparison.Ordinal)), s_deadline, "the producer to see its connection drop");
        gate.Open();

        Assert.Equal(PymarExamples.SquaredSumAnswer, (await job).ToString(CultureInfo.InvariantCulture));

        // The connection was lost before every slice was published (the published line comes after the loss) ...
        var lines = producerLogs.Lines;
        var lost = IndexOf(lines, "Lost the connection to RabbitMQ");
        var published = IndexOf(lines, "[2000] ");
        Assert.True(lost >= 0 && published > lost, $"The connection should have been lost while the job published (lost at line {lost}, published at line {published}).\n{string.Join('\n', lines.Take(200))}");
        Assert.Contains(lines, l => l.Contains("[2015] ", StringComparison.Ordinal));

        // ... and the job was answered by the worker, not computed again in the producer's process.
        Assert.DoesNotContain(lines, l => l.Contains("[2006] ", StringComparison.Ordinal) || l.Contains("[2005] ", StringComparison.Ordinal));
        var computed = worker.Services.GetRequiredService<WorkerService>().CompletedSlices;
        Assert.InRange(computed, Slices, 2 * Slices);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }
    }

    private static string ChaosCtl => Path.Combine(Path.GetDirectoryName(ChildPrograms.Ctl)!, "ctl-chaos.sh");

    /// <summary>Holds the publishes after the first <c>heldAfter</c> until it is opened.</summary>
    private sealed class PublishGate(int heldAfter)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _published;

        public bool Held => Volatile.Read(ref _published) >= heldAfter;

        public void Open() => _open.TrySetResult();

        public Task PassAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _published) <= heldAfter ? Task.CompletedTask : _open.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The producer's RabbitMQ transport, with its slice publishes passing <see cref="PublishGate"/> first.</summary>
    private sealed class GatedTransport(RabbitMqTransport inner, PublishGate gate) : IPymarTransport
    {
        public string Description => inner.Description;

        public bool IsConnected => inner.IsConnected;

        public long MaxMessageBytes => inner.MaxMessageBytes;

        public async ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
        {
            await gate.PassAsync(cancellationToken);
            await inner.PublishSliceAsync(producerName, body, properties, cancellationToken);
        }

        public ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default) =>
            inner.OpenReplyInboxAsync(onReply, onRecovered, cancellationToken);

        public ValueTask<ISliceConsumer> ConsumeSlicesAsync(IReadOnlyCollection<string> producerNames, int prefetch, Func<SliceDelivery, CancellationToken, ValueTask> onSlice, CancellationToken cancellationToken = default) =>
            inner.ConsumeSlicesAsync(producerNames, prefetch, onSlice, cancellationToken);

        public ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default) => inner.PublishJobEndedAsync(jobId, cancellationToken);

        public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
            inner.SubscribeJobEndedAsync(onJobEnded, cancellationToken);

        public ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default) => inner.PurgeAsync(producerNames, cancellationToken);
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private async Task<IHost> StartHostAsync(CapturedLogs logs, int workers, LogLevel level, PublishGate? gate = null)
    {
        // The producer would fall back to computing locally on an unreachable broker: it must not, on a lost connection.
        var configuration = TestHost.RabbitMqConfiguration(_prefix, ChaosBroker.Uri, fallBackToLocal: true);
        var host = await TestHost.StartAsync(
            configuration,
            pymar =>
            {
                pymar.AddExamples().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            logs,
            level,
            (services, _) =>
            {
                if (gate is not null)
                {
                    services.AddSingleton<IPymarTransport>(sp => new GatedTransport(sp.GetRequiredService<RabbitMqTransport>(), gate));
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
