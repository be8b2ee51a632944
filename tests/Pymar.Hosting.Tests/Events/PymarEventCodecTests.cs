using System.Buffers;
using System.Text;
using System.Text.Json;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Tests.Events;

/// <summary>Issue 14: the pump's batches on the wire (the decoding side is tested with the dashboard).</summary>
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
