using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// A broker whose <c>max_message_size</c> is below <c>Pymar:Broker:MaxMessageBytes</c> refuses a larger slice and
/// closes the publishing channel: the job fails at once with an error naming the slice, its size and the setting,
/// and the producer's next job goes through. The fault-test broker's limit is lowered for the test and restored.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class BrokerMessageSizeTests : IAsyncLifetime
{
    private const int BrokerLimit = 1024 * 1024;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly string _prefix = $"pymar.t{Guid.NewGuid():N}.";
    private readonly List<IHost> _hosts = [];
    private string? _limitBefore;

    [Fact]
    public async Task ASliceOverTheBrokersLimitFailsTheJobPromptlyNamingItsSizeAndTheSettingAndTheNextJobSucceeds()
    {
        var logs = new CapturedLogs();
        var worker = await StartHostAsync(logs, workers: 2);
        await worker.Services.GetRequiredService<WorkerService>().Consuming.WaitAsync(s_deadline);
        var client = (await StartHostAsync(logs, workers: 0)).Services.GetRequiredService<ProducerClient>();

        // Two slices of about 1.2 MB each: under Pymar's 16 MiB, over the broker's 1 MiB.
        var items = Enumerable.Range(0, 4).Select(i => new string((char)('a' + i), 600 * 1024)).ToList();
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<PymarException>(() => client.MapAsync(
            new LengthSumProducer(), DataSourceFactory<string>.FromItems(items), new MapOptions { SliceCount = 2, Timeout = s_deadline }));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"The job failed after {watch.Elapsed}.");
        Assert.Contains("max_message_size", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pymar:Broker:MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"slice \d+ of job [0-9a-f]{32}", error.Message);
        Assert.Matches(@"\b12\d{5} bytes", error.Message);

        // The same producer's next job goes through, on a new publishing channel.
        var small = Enumerable.Range(0, 10).Select(i => new string('x', i)).ToList();
        Assert.Equal(45L, await client.MapAsync(new LengthSumProducer(), DataSourceFactory<string>.FromItems(small), new MapOptions { SliceCount = 2, Timeout = s_deadline }));
    }

    public async Task InitializeAsync()
    {
        var before = await ChaosCtlAsync("-q", "eval", "application:get_env(rabbit, max_message_size).");
        _limitBefore = string.Concat(before).Trim();
        await ChaosCtlAsync("-q", "eval", $"application:set_env(rabbit, max_message_size, {BrokerLimit.ToString(CultureInfo.InvariantCulture)}).");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }

        // Back to what it was: {ok,N}, or undefined (the broker's default).
        var restore = _limitBefore is { } b && b.StartsWith("{ok,", StringComparison.Ordinal)
            ? $"application:set_env(rabbit, max_message_size, {b[4..^1]})."
            : "application:unset_env(rabbit, max_message_size).";
        await ChaosCtlAsync("-q", "eval", restore);
    }

    private static Task<IReadOnlyList<string>> ChaosCtlAsync(params string[] arguments) =>
        BrokerFixture.CtlAsync(Path.Combine(Path.GetDirectoryName(ChildPrograms.Ctl)!, "ctl-chaos.sh"), arguments);

    private async Task<IHost> StartHostAsync(CapturedLogs logs, int workers)
    {
        var host = await TestHost.StartAsync(
            TestHost.RabbitMqConfiguration(_prefix, ChaosBroker.Uri),
            pymar =>
            {
                pymar.AddProducer<LengthSumProducer>().UseRabbitMq();
                if (workers > 0)
                {
                    pymar.AddWorkers(o => o.Concurrency = workers);
                }
            },
            logs,
            LogLevel.Information);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Sums the lengths of its strings.</summary>
    public sealed class LengthSumProducer : Producer<string, long>
    {
        public override IEnumerable<long> Map(IEnumerable<string> items) => items.Select(s => (long)s.Length);

        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}
