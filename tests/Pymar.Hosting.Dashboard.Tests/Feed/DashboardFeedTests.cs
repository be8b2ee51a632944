using System.Net.ServerSentEvents;
using System.Text.Json;
using Pymar.Hosting.Dashboard.Tests.Support;

namespace Pymar.Hosting.Dashboard.Tests.Feed;

/// <summary>The page's live feed (<c>/pymar/events</c>) read as a browser's EventSource reads it.</summary>
public sealed class DashboardFeedTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task FeedSendsTheStateAsServerSentEventsAndSendsAChangeAgain()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = new CancellationTokenSource(s_deadline);
        using var response = await client.GetAsync("/pymar/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token);

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, "the feed is not cached");
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        await using var events = SseParser.Create(body).EnumerateAsync(deadline.Token).GetAsyncEnumerator(deadline.Token);

        Assert.True(await events.MoveNextAsync(), "a first event");
        Assert.Equal("message", events.Current.EventType);
        Assert.Equal(0, Malformed(events.Current.Data));

        host.State.OnMalformed("not an event");
        do
        {
            Assert.True(await events.MoveNextAsync(), "the feed goes on");
        }
        while (Malformed(events.Current.Data) == 0);
        Assert.Equal(1, Malformed(events.Current.Data));
    }

    [Fact]
    public async Task AnOpenFeedEndsWhenTheHostStopsInsteadOfHoldingItsShutdown()
    {
        var host = await DashboardHost.StartAsync();
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = new CancellationTokenSource(s_deadline);
        using var response = await client.GetAsync("/pymar/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        await using var events = SseParser.Create(body).EnumerateAsync(deadline.Token).GetAsyncEnumerator(deadline.Token);
        Assert.True(await events.MoveNextAsync(), "a first event");

        // The host's shutdown timeout is 30 s: a feed that held the shutdown would miss this deadline.
        await host.DisposeAsync().AsTask().WaitAsync(s_deadline);
        while (await events.MoveNextAsync())
        {
        }
    }

    private static long Malformed(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("malformed").GetInt64();
    }
}
