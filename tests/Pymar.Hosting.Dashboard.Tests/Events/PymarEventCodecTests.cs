using System.Text;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Events;

public sealed class PymarEventCodecTests
{
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
}
