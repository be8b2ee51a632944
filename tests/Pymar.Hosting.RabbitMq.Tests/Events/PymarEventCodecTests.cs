using System.Buffers;
using System.Text;
using System.Text.Json;
using Pymar.Hosting.Events;
using Pymar.Hosting.RabbitMq.Events;

namespace Pymar.Hosting.RabbitMq.Tests.Events;

/// <summary>Events and the pump's batches on the RabbitMQ events exchange, and what a reader makes of garbage.</summary>
public sealed class PymarEventCodecTests
{
    [Fact]
    public void ABatchIsAJsonArrayThatDecodesToItsEventsInOrder()
    {
        var sent = Enumerable.Range(0, 5).Select(Slice).ToList();
        var into = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(Stream.Null);

        var taken = PymarEventCodec.EncodeBatch(sent, 0, into, new ArrayBufferWriter<byte>(), writer);

        Assert.Equal(5, taken);
        Assert.StartsWith("[{\"kind\":\"slice.finished\"", Encoding.UTF8.GetString(into.WrittenSpan), StringComparison.Ordinal);
        Assert.Equal(sent, PymarEventCodec.DecodeMessage(into.WrittenSpan, out var malformed, out var reason));
        Assert.Equal((0, null), (malformed, reason));
    }

    [Fact]
    public void ABatchIsCutToFitTheLargestMessageAndTheRestFollowsInTheNext()
    {
        var sent = Enumerable.Range(0, 2_000).Select(Slice).ToList();
        var into = new ArrayBufferWriter<byte>();
        var scratch = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(Stream.Null);
        var received = new List<PymarEvent>();
        var messages = 0;

        for (var start = 0; start < sent.Count; messages++)
        {
            start += PymarEventCodec.EncodeBatch(sent, start, into, scratch, writer);
            Assert.InRange(into.WrittenCount, 1, PymarEventCodec.MaxBytes);
            received.AddRange(PymarEventCodec.DecodeMessage(into.WrittenSpan, out var malformed, out _));
            Assert.Equal(0, malformed);
        }

        Assert.True(messages > 1, $"{messages} message(s)");
        Assert.Equal(sent, received);
    }

    [Fact]
    public void EventRoundTripsAsCamelCaseJson()
    {
        var sent = new PymarEvent { Kind = PymarEventKinds.SliceFinished, Time = DateTimeOffset.UnixEpoch, Worker = "a/1", JobId = "j", SliceIndex = 3, DurationMs = 1.5 };
        var body = PymarEventCodec.Encode(sent);

        Assert.Contains("\"sliceIndex\":3", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.Equal(sent, PymarEventCodec.TryDecode(body, out var reason));
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"kind\":\"worker.exploded\"}")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"kind\":\"slice.finished\",\"sliceIndex\":\"three\"}")]
    public void GarbageIsNotAnEvent(string body)
    {
        Assert.Null(PymarEventCodec.TryDecode(Encoding.UTF8.GetBytes(body), out var reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public void AMessageOfOneEventDecodesAsBefore()
    {
        var sent = Slice(7);

        Assert.Equal([sent], PymarEventCodec.DecodeMessage(PymarEventCodec.Encode(sent), out var malformed, out var reason));
        Assert.Equal((0, null), (malformed, reason));
    }

    [Fact]
    public void ElementsOfABatchThatAreNotEventsAreCountedAndTheOthersRead()
    {
        var body = "[{\"kind\":\"slice.started\",\"sliceIndex\":1},{\"kind\":\"worker.exploded\"},null,{\"kind\":\"slice.finished\",\"sliceIndex\":1}]";

        var events = PymarEventCodec.DecodeMessage(Encoding.UTF8.GetBytes(body), out var malformed, out var reason);

        Assert.Equal([PymarEventKinds.SliceStarted, PymarEventKinds.SliceFinished], events.Select(e => e.Kind));
        Assert.Equal(2, malformed);
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"kind\":\"worker.exploded\"}")]
    [InlineData("[1,2,3]")]
    [InlineData("[{\"time\":\"2026-01-01T00:00:00Z\"}]")]
    [InlineData("[{\"kind\":\"slice.finished\"}")]
    public void GarbageIsOneMalformedMessage(string body)
    {
        Assert.Empty(PymarEventCodec.DecodeMessage(Encoding.UTF8.GetBytes(body), out var malformed, out var reason));
        Assert.Equal(1, malformed);
        Assert.False(string.IsNullOrEmpty(reason));
    }

    private static PymarEvent Slice(int index) => new()
    {
        Kind = PymarEventKinds.SliceFinished,
        Time = DateTimeOffset.UnixEpoch.AddSeconds(index),
        Worker = "node1/4711",
        Host = "node1",
        ProcessId = 4711,
        JobId = "9f3c2a7e5b1d4c6f8a0e2b4d6f8a0c2e",
        Producer = "SquaredSum",
        SliceIndex = index,
        Attempt = 1,
        Slot = index % 2,
        DurationMs = 0.25 * index,
    };
}
