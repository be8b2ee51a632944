using System.Net.Sockets;
using System.Text;
using Pymar.Worker.Tests.Jobs;
using Pymar.Worker.Tests.Support;

namespace Pymar.Worker.Tests;

/// <summary>
/// systemd's readiness protocol without systemd: the test binds the notify socket (a Unix datagram socket) and
/// starts the worker with NOTIFY_SOCKET pointing at it, as systemd does for a Type=notify service.
/// </summary>
public sealed class SystemdNotifyTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public Task ReadyArrivesOnceTheWorkerConsumesAndStoppingAfterSigterm() =>
        ReadyOnceConsumingThenStoppingAfterSigtermAsync(
            program: null,
            ["--assembly", Programs.Jobs, "--producer", nameof(SumProducer), "--data-source", nameof(ScaledRangeDataSource), "--broker", TestBroker.Uri],
            [nameof(SumProducer)]);

    [Fact]
    public Task PymarsOwnLineWithABareHostIsReadyOnceConsuming() =>
        ReadyOnceConsumingThenStoppingAfterSigtermAsync(
            program: null,
            [Programs.Jobs, "-p", nameof(SumProducer), "-s", nameof(ScaledRangeDataSource), "-q", "127.0.0.1", "-w", "2"],
            [nameof(SumProducer)]);

    /// <summary>A host built as users build theirs (the examples' <c>worker</c>: AddPymar + AddWorkers + UsePymarWorkerService).</summary>
    [Fact]
    public Task TheExamplesWorkerIsReadyOnceConsumingAndStoppingAfterSigterm() =>
        ReadyOnceConsumingThenStoppingAfterSigtermAsync(
            Programs.Examples,
            ["worker", "-q", "127.0.0.1:5672", "--workers", "2"],
            ["IntegrationProducer", "FastIntegrationProducer", "KeyedIntegrationProducer", "SquaredSumProducer", "WordCountProducer"]);

    private static async Task ReadyOnceConsumingThenStoppingAfterSigtermAsync(string? program, string[] args, string[] producers)
    {
        var directory = Directory.CreateTempSubdirectory("pymar-notify-");
        var prefix = TestBroker.NewQueuePrefix();
        try
        {
            var path = Path.Combine(directory.FullName, "notify.sock");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));

            await using var worker = WorkerProcess.Start(
                args,
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["Pymar__Broker__QueuePrefix"] = prefix },
                program: program);

            // Ready means every work queue is declared and the worker consumes. A worker serving more quorum queues than
            // it has slots + lookahead hands that budget out as consumers across the queues and watches the rest (see
            // README "Workers on other machines"), so not every queue need have a consumer of its own.
            Assert.Equal("READY=1", await ReceiveAsync(socket, worker));
            var consumers = 0u;
            foreach (var producer in producers)
            {
                var queue = await TestBroker.InspectQueueAsync(prefix + producer);
                Assert.True(queue is not null, $"READY=1 arrived before the worker declared {prefix + producer}.\n{worker.Describe()}");
                consumers += queue.ConsumerCount;
            }

            Assert.True(consumers >= 1, $"READY=1 arrived before the worker consumed any of its queues.\n{worker.Describe()}");

            var exit = worker.TerminateAsync(s_deadline);
            Assert.Equal("STOPPING=1", await ReceiveAsync(socket, worker));
            Assert.True(await exit == 0, worker.Describe());
            Assert.Contains(worker.Lines, l => l.Contains("stopped after 0 slice(s)", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
            await TestBroker.DeleteQueuesAsync(prefix, producers);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, WorkerProcess worker)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(s_deadline);
        try
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, count).Trim();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"No notification within {s_deadline.TotalSeconds} s.\n{worker.Describe()}");
        }
    }
}
