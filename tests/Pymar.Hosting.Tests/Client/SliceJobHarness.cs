using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Client;
using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// One job's producer side alone, on a <see cref="FakeTimeProvider"/> and a <see cref="RecordingTransport"/>: the
/// test plays the workers by answering the published slices with replies written by the workers' own codec.
/// </summary>
internal sealed class SliceJobHarness<TValue>
{
    private readonly SliceJob<long, TValue> _job;

    public SliceJobHarness(Producer<long, TValue> producer, int slices, MapOptions? options = null, ILogger? logger = null)
    {
        var windows = Enumerable.Range(0, slices).Select(i => new SliceWindow(i * 10, 10)).ToArray();
        var items = Enumerable.Range(0, slices * 10).Select(i => (long)i).ToArray();
        var plan = new JobPlan<long, TValue>(
            "job1", producer, "HarnessProducer", DataSourceFactory<long>.FromItems(items), null, windows, "pymar.reply.test", null,
            options ?? new MapOptions { SpeculateStragglers = false }, null);
        _job = new SliceJob<long, TValue>(plan, Transport, Time, logger ?? NullLogger.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public RecordingTransport Transport { get; } = new();

    public SliceJob<long, TValue> Job => _job;

    public Task<MapResult<TValue>> RunAsync(bool collectFailures = false, CancellationToken cancellationToken = default) =>
        _job.RunAsync(collectFailures, cancellationToken);

    /// <summary>Answers a slice with <paramref name="valueJson"/> as a worker writes it.</summary>
    public bool Answer(int slice, string valueJson, int attempt = 1, double? computeMilliseconds = null) =>
        Post(MessageCodec.WriteValueReply("job1", slice, attempt, "w1", System.Text.Encoding.UTF8.GetBytes(valueJson), computeMilliseconds));

    /// <summary>Answers a slice with an error as a worker writes it.</summary>
    public bool Fail(int slice, int attempt = 1) =>
        Post(MessageCodec.WriteErrorReply("job1", slice, new RemoteError { Type = "System.InvalidOperationException", Message = "boom", WorkerId = "w1", Attempt = attempt }));

    /// <summary>Hands a reply body to the job as the reply router does.</summary>
    public bool Post(byte[] body) => _job.TryPost(MessageCodec.ReadReply(body));
}
