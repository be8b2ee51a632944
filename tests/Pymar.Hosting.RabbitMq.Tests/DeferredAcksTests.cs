using Microsoft.Extensions.Time.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>When a channel's held acknowledgements are sent, on the holder's own clock.</summary>
public sealed class DeferredAcksTests
{
    private const string Queue = "pymar.sum";
    private readonly FakeTimeProvider _time = new();
    private readonly List<ulong> _sent = [];
    private readonly List<ulong> _settled = [];
    private readonly List<(string Queue, Exception Error)> _failures = [];

    [Fact]
    public async Task AnAcknowledgementIsHeldForItsDelayAndThenSentBeforeItCountsAsSettled()
    {
        using var acks = NewAcks();
        await acks.AckAsync(1, Queue, () => _settled.Add(1));
        await acks.AckAsync(2, Queue, () => _settled.Add(2));

        Assert.Empty(_sent);
        Assert.Empty(_settled);
        Assert.Equal(2, acks.Held);

        // The fake clock runs the timer's flush as it advances; the sends here complete at once.
        _time.Advance(DeferredAcks.Delay);
        Assert.Equal([1UL, 2UL], _sent);
        Assert.Equal([1UL, 2UL], _settled);
        Assert.Equal(0, acks.Held);
    }

    [Fact]
    public async Task EnoughHeldAcknowledgementsAreSentAtOnceWithoutWaitingForTheDelay()
    {
        using var acks = NewAcks();
        for (ulong tag = 1; tag <= (ulong)DeferredAcks.FlushAt; tag++)
        {
            await acks.AckAsync(tag, Queue, null);
        }

        Assert.Equal(DeferredAcks.FlushAt, _sent.Count);
        Assert.Equal(0, acks.Held);
    }

    [Fact]
    public async Task FlushingSendsWhatIsHeldAndAfterDisposeAcknowledgementsGoAtOnce()
    {
        var acks = NewAcks();
        await acks.AckAsync(7, Queue, () => _settled.Add(7));
        acks.Dispose();
        await acks.FlushAsync();
        Assert.Equal([7UL], _sent);

        await acks.AckAsync(8, Queue, () => _settled.Add(8));
        Assert.Equal([7UL, 8UL], _sent);
        Assert.Equal([7UL, 8UL], _settled);
    }

    [Fact]
    public async Task AnAcknowledgementOnAClosedChannelIsReportedAndStillCountsAsSettled()
    {
        using var acks = new DeferredAcks(SendOrFailOnTwo, (queue, ex) => _failures.Add((queue, ex)), _time);
        await acks.AckAsync(1, Queue, () => _settled.Add(1));
        await acks.AckAsync(2, Queue, () => _settled.Add(2));
        await acks.AckAsync(3, Queue, () => _settled.Add(3));
        await acks.FlushAsync();

        Assert.Equal([1UL, 3UL], _sent);
        Assert.Equal([1UL, 2UL, 3UL], _settled);
        var failure = Assert.Single(_failures);
        Assert.Equal(Queue, failure.Queue);
        Assert.IsType<AlreadyClosedException>(failure.Error);
    }

    [Fact]
    public async Task AnUnexpectedErrorWhileSendingOneLeavesNoOtherUnsentOrUnsettled()
    {
        using var acks = new DeferredAcks(tag => tag == 1 ? throw new InvalidOperationException("boom") : Send(tag), (queue, ex) => _failures.Add((queue, ex)), _time);
        await acks.AckAsync(1, Queue, () => _settled.Add(1));
        await acks.AckAsync(2, Queue, () => _settled.Add(2));

        _time.Advance(DeferredAcks.Delay);

        Assert.Equal([2UL], _sent);
        Assert.Equal([1UL, 2UL], _settled);
        Assert.IsType<InvalidOperationException>(Assert.Single(_failures).Error);
        Assert.Equal(0, acks.Held);
    }

    [Fact]
    public async Task TheDelayStartsAgainWithTheFirstAcknowledgementHeldAfterAFlush()
    {
        using var acks = NewAcks();
        await acks.AckAsync(1, Queue, null);
        _time.Advance(DeferredAcks.Delay);
        Assert.Equal([1UL], _sent);

        _time.Advance(DeferredAcks.Delay / 2);
        await acks.AckAsync(2, Queue, null);
        _time.Advance(DeferredAcks.Delay / 2);
        Assert.Equal([1UL], _sent);

        _time.Advance(DeferredAcks.Delay / 2);
        Assert.Equal([1UL, 2UL], _sent);
    }

    private ValueTask SendOrFailOnTwo(ulong tag) =>
        tag == 2 ? throw new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "closed")) : Send(tag);

    private DeferredAcks NewAcks() => new(Send, (queue, ex) => _failures.Add((queue, ex)), _time);

    private ValueTask Send(ulong tag)
    {
        _sent.Add(tag);
        return ValueTask.CompletedTask;
    }
}
