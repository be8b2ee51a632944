using System.Text;
using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Tests.Messaging;

public sealed class MessageCodecTests
{
    private static SliceRequest Request() => new()
    {
        Version = SliceRequest.CurrentVersion,
        JobId = "job1",
        SliceIndex = 2,
        Producer = "IntegrationProducer",
        DataSource = "IntegrationDataSource",
        Offset = 100,
        Limit = 50,
        ReplyTo = "pymar.reply.x",
        ExpiresAtUnixMilliseconds = 123,
    };

    [Fact]
    public void ARequestRoundTrips()
    {
        var read = MessageCodec.ReadRequest(MessageCodec.WriteRequest(Request()));

        Assert.Equal(("job1", 2, "IntegrationProducer", "IntegrationDataSource", new SliceWindow(100, 50), "pymar.reply.x", 123L),
            (read.JobId, read.SliceIndex, read.Producer, read.DataSource, read.Window, read.ReplyTo, read.ExpiresAtUnixMilliseconds!.Value));
    }

    [Fact]
    public void ADataSourceSliceMessageCarriesOnlyNamesAndTheWindow()
    {
        var body = MessageCodec.WriteRequest(Request());

        Assert.True(body.Length < 256, $"{body.Length} bytes");
        Assert.DoesNotContain("Pymar.Examples", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("""{"v":1,"job":"j","slice":0,"producer":"P","source":"S","offset":-1,"limit":5,"replyTo":"r"}""")]
    [InlineData("""{"v":1,"job":"j","slice":0,"producer":"P","source":"S","offset":9223372036854775800,"limit":50,"replyTo":"r"}""")]
    [InlineData("""{"v":1,"job":"j","slice":0,"producer":"P","source":"S","offset":0,"limit":0,"replyTo":"r"}""")]
    [InlineData("""{"v":2,"job":"j","slice":0,"producer":"P","source":"S","offset":0,"limit":5,"replyTo":"r"}""")]
    [InlineData("""{"v":1,"job":"j","slice":0,"producer":"P","offset":0,"limit":5,"replyTo":"r"}""")]
    [InlineData("""{"$type":"System.IO.FileInfo","v":1,"job":"j","slice":0,"producer":"P","source":"S","offset":0,"limit":5,"replyTo":"r"}""")]
    [InlineData("""{"v":1,"job":"j","slice":0,"producer":"P","source":"S","offset":0,"limit":5,"replyTo":"r","extra":1}""")]
    public void AMalformedRequestIsRejectedWithAReason(string body)
    {
        var error = Assert.Throws<MalformedMessageException>(() => MessageCodec.ReadRequest(Encoding.UTF8.GetBytes(body)));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void AnErrorReplyRoundTrips()
    {
        var body = MessageCodec.WriteErrorReply("job1", 3, new RemoteError { Type = "System.InvalidOperationException", Message = "boom", WorkerId = "w1" });

        var reply = MessageCodec.ReadReply(body);

        Assert.Equal(("job1", 3, "boom", "w1"), (reply.JobId, reply.SliceIndex, reply.Error!.Message, reply.Error.WorkerId));
        Assert.Null(reply.Value);
    }

    [Fact]
    public void AValueReplyRoundTrips()
    {
        var reply = MessageCodec.ReadReply(MessageCodec.WriteValueReply("job1", 0, 1, "w1", "42.5"u8.ToArray()));

        Assert.Equal(42.5, reply.Value!.Deserialize<double>());
    }

    [Fact]
    public void AReplyWhoseValueIsNullIsAValueReply()
    {
        var reply = MessageCodec.ReadReply(MessageCodec.WriteValueReply("job1", 0, 1, "w1", "null"u8.ToArray()));

        Assert.NotNull(reply.Value);
        Assert.Null(reply.Error);
        Assert.Null(reply.Value.Deserialize<string?>());
    }

    [Fact]
    public void RepliesOfOneJobReadTheirIdsAsWrittenEscapedOrNot()
    {
        var first = MessageCodec.ReadReply(MessageCodec.WriteValueReply("job1", 0, 1, "w1", "1"u8.ToArray()));
        var second = MessageCodec.ReadReply(MessageCodec.WriteValueReply("job1", 1, 1, "w2", "2"u8.ToArray()));
        var escaped = MessageCodec.ReadReply("""{"v":1,"job":"job\u0031","slice":2,"attempt":1,"worker":"w\u0032","value":3}"""u8);

        Assert.Equal(("job1", "w1"), (first.JobId, first.WorkerId));
        Assert.Equal(("job1", "w2"), (second.JobId, second.WorkerId));
        Assert.Equal(("job1", "w2"), (escaped.JobId, escaped.WorkerId));
        Assert.Equal(3, escaped.Value!.Deserialize<int>());
    }

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("[1,2]")]
    [InlineData("{\"a\":true}")]
    [InlineData("false")]
    [InlineData("-1.5e3")]
    public void APartialValueOfAnyKindIsReadBackAsWritten(string json)
    {
        var reply = MessageCodec.ReadReply(MessageCodec.WriteValueReply("job1", 0, 1, "w1", Encoding.UTF8.GetBytes(json)));

        Assert.Equal(json, reply.Value!.Deserialize<System.Text.Json.JsonElement>().GetRawText());
    }

    [Fact]
    public void AReplyWithNeitherValueNorErrorIsMalformed()
    {
        var error = Assert.Throws<MalformedMessageException>(() => MessageCodec.ReadReply("""{"v":1,"job":"j","slice":0,"attempt":1,"worker":"w"}"""u8));

        Assert.Contains("either a value or an error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWireNamesAreTheContractsNames()
    {
        var body = Encoding.UTF8.GetString(MessageCodec.WriteRequest(Request()));

        Assert.Equal(
            """{"v":1,"job":"job1","slice":2,"attempt":1,"producer":"IntegrationProducer","source":"IntegrationDataSource","offset":100,"limit":50,"replyTo":"pymar.reply.x","expires":123}""",
            body);
    }

    [Fact]
    public void ASlicesOwnItemsAreWrittenIntoTheMessageAndReadBack()
    {
        var request = Request();
        request.DataSource = null;
        request.Offset = 0;
        request.Limit = 3;
        request.Items = JsonPayload.Writing(writer =>
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(1);
            writer.WriteNumberValue(2);
            writer.WriteNumberValue(3);
            writer.WriteEndArray();
        });

        var read = MessageCodec.ReadRequest(MessageCodec.WriteRequest(request));

        Assert.Equal([1L, 2L, 3L], read.Items!.Deserialize<long[]>()!);
    }

    [Theory]
    [InlineData("0123abcd", 0)]
    [InlineData("a:b", 41)]
    public void ACorrelationIdIsReadAsItIsBuilt(string jobId, int sliceIndex)
    {
        Assert.True(Correlation.TryParse(Correlation.Create(jobId, sliceIndex), out var job, out var slice));
        Assert.Equal((jobId, sliceIndex), (job, slice));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-separator")]
    [InlineData(":3")]
    [InlineData("job:-1")]
    [InlineData("job:x")]
    public void AnUnreadableCorrelationIdIsRefused(string? correlationId) =>
        Assert.False(Correlation.TryParse(correlationId, out _, out _));
}
