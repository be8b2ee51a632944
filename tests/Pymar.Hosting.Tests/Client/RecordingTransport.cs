using System.Collections.Concurrent;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// A transport that only records the slices a job publishes (no worker reads them): a test answers them by hand
/// through <see cref="SliceJobHarness{TValue}"/>. <see cref="FailPublishes"/> makes publishes throw.
/// </summary>
internal sealed class RecordingTransport : IPymarTransport
{
    private readonly ConcurrentQueue<SliceRequest> _published = new();
    private volatile Func<SliceRequest, Exception?>? _fail;
    private volatile Func<SliceRequest, bool>? _neverConfirmed;

    public string Description => "recording";

    /// <summary>Whether the transport says it is connected; a test sets it false to play a lost connection.</summary>
    public bool IsConnected { get; set; } = true;

    public long MaxMessageBytes => int.MaxValue;

    /// <summary>Every request published, copies and retries included, in publish order.</summary>
    public IReadOnlyList<SliceRequest> Published => [.. _published];

    /// <summary>How many requests of <paramref name="slice"/> were published.</summary>
    public int PublishedOf(int slice) => _published.Count(r => r.SliceIndex == slice);

    /// <summary>Makes each publish for which <paramref name="fail"/> returns an error throw it (null: publish).</summary>
    public void FailPublishes(Func<SliceRequest, Exception?>? fail) => _fail = fail;

    /// <summary>
    /// Makes each publish for which <paramref name="neverConfirmed"/> returns true recorded at once (the message
    /// reached the broker) but its confirm never come: the publish waits until its token is cancelled.
    /// </summary>
    public void NeverConfirm(Func<SliceRequest, bool>? neverConfirmed) => _neverConfirmed = neverConfirmed;

    /// <summary>While set, each publish is recorded at once but its confirm waits for this task (null: confirmed at once).</summary>
    public Task? ConfirmGate { get; set; }

    public ValueTask PublishSliceAsync(string producerName, ReadOnlyMemory<byte> body, SliceMessageProperties properties, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = MessageCodec.ReadRequest(body.Span);
        if (_fail?.Invoke(request) is { } error)
        {
            return ValueTask.FromException(error);
        }

        _published.Enqueue(request);
        if (_neverConfirmed?.Invoke(request) is true)
        {
            return new ValueTask(Task.Delay(Timeout.Infinite, cancellationToken));
        }

        return ConfirmGate is { } gate ? new ValueTask(gate.WaitAsync(cancellationToken)) : ValueTask.CompletedTask;
    }

    public ValueTask<IReplyInbox> OpenReplyInboxAsync(Func<ReadOnlyMemory<byte>, ValueTask> onReply, Func<ValueTask> onRecovered, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<ISliceConsumer> ConsumeSlicesAsync(IReadOnlyCollection<string> producerNames, int prefetch, Func<SliceDelivery, CancellationToken, ValueTask> onSlice, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask PublishJobEndedAsync(string jobId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<IAsyncDisposable> SubscribeJobEndedAsync(Func<string, ValueTask> onJobEnded, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<long> PurgeAsync(IReadOnlyCollection<string> producerNames, CancellationToken cancellationToken = default) => ValueTask.FromResult(0L);
}
