namespace Pymar.Hosting.Tests.Errors;

/// <summary>A timed-out job's message says where to look: the broker that did not take the slices, or the workers.</summary>
public sealed class MapTimeoutExceptionTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void EverySlicePublishedButUnansweredPointsAtTheWorkers()
    {
        var error = new MapTimeoutException("SumProducer", "job1", s_timeout, completedSlices: 3, totalSlices: 8, publishedSlices: 8, transportConnected: true);

        Assert.Equal("Job job1 of producer 'SumProducer' timed out after 30 s with 3 of 8 slices answered. Are workers serving 'SumProducer' running?", error.Message);
        Assert.Equal((3, 8, 8), (error.CompletedSlices, error.TotalSlices, error.PublishedSlices));
    }

    [Fact]
    public void SlicesTheBrokerNeverConfirmedPointAtTheBroker()
    {
        var error = new MapTimeoutException("SumProducer", "job1", s_timeout, completedSlices: 0, totalSlices: 390, publishedSlices: 128, transportConnected: true);

        Assert.Contains("with 0 of 390 slices answered and 128 published: the broker did not confirm the rest in time", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Are workers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALostConnectionIsNamedWhateverWasPublished()
    {
        var error = new MapTimeoutException("SumProducer", "job1", s_timeout, completedSlices: 0, totalSlices: 4, publishedSlices: 4, transportConnected: false);

        Assert.Contains("and 4 published: the connection to the broker is down. Is the broker reachable?", error.Message, StringComparison.Ordinal);
    }
}
