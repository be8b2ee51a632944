using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Client;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// The connection to the broker is lost while a job still publishes its slices: on the job's own clock, with the test
/// playing the transport's connection and the workers.
/// </summary>
public sealed class PublishingConnectionLossTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SlicesWhosePublishFailedWhileTheConnectionWasDownArePublishedOnceItIsBackAndConfirmedOnesAreNotSentAgain()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 8);
        var transport = harness.Transport;
        var dropped = 0;
        transport.FailPublishes(r =>
        {
            if (r.SliceIndex == 3 && Interlocked.Exchange(ref dropped, 1) == 0)
            {
                transport.IsConnected = false;
            }

            return transport.IsConnected ? null : new TransportUnavailableException("The connection to RabbitMQ closed while publishing");
        });
        var job = harness.RunAsync();

        // Three slices went out before the connection dropped; the others wait for it.
        await AdvanceUntilAsync(harness.Time, () => harness.Time.GetUtcNow() - Start >= TimeSpan.FromSeconds(5), "five seconds of outage");
        Assert.Equal(3, transport.Published.Count);
        Assert.False(job.IsCompleted, $"The job ended while the connection was down: {job.Status}");

        transport.IsConnected = true;
        await AdvanceUntilAsync(harness.Time, () => transport.Published.Count == 8, "the other five slices to be published");
        for (var i = 0; i < 8; i++)
        {
            harness.Answer(i, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(36, (await job.WaitAsync(s_deadline)).Value);
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(1, transport.PublishedOf(i)));
    }

    [Fact]
    public async Task AJobWhoseBrokerStaysUnreachablePastTheReconnectTimeoutFailsNamingTheJobAndTheWait()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 8, new MapOptions { SpeculateStragglers = false, ReconnectTimeout = TimeSpan.FromSeconds(20) });
        var transport = harness.Transport;
        transport.IsConnected = false;
        transport.FailPublishes(_ => new TransportUnavailableException("The connection to RabbitMQ closed while publishing"));
        var job = harness.RunAsync();

        await AdvanceUntilAsync(harness.Time, () => job.IsCompleted, "the job to give up", step: TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => job);
        Assert.Contains("job1", error.Message, StringComparison.Ordinal);
        Assert.Contains("HarnessProducer", error.Message, StringComparison.Ordinal);
        Assert.Contains("20 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(harness.Time.GetUtcNow() - Start, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(25));
    }

    [Fact]
    public async Task ARetryWhosePublishFailsOnALostConnectionIsPublishedOnceTheConnectionIsBack()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 2, new MapOptions { SpeculateStragglers = false, RetryCount = 1, RetryBackoff = TimeSpan.FromMilliseconds(100) });
        var transport = harness.Transport;
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => transport.Published.Count == 2, s_deadline, "the two slices to be published");
        harness.Answer(0, "1");
        transport.IsConnected = false;
        transport.FailPublishes(_ => transport.IsConnected ? null : new TransportUnavailableException("The connection to RabbitMQ closed while publishing"));
        harness.Fail(1);

        await AdvanceUntilAsync(harness.Time, () => harness.Time.GetUtcNow() - Start >= TimeSpan.FromSeconds(5), "five seconds of outage");
        Assert.False(job.IsCompleted, $"The job ended while the connection was down: {job.Status}");
        transport.IsConnected = true;
        await AdvanceUntilAsync(harness.Time, () => transport.PublishedOf(1) == 2, "the retry of slice 1 to be published");
        harness.Answer(1, "2", attempt: 2);

        Assert.Equal(3, (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task AfterALostReplyInboxTheUnansweredSlicesArePublishedAgainWithoutWaitingForEachConfirm()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 300);
        var transport = harness.Transport;
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => transport.Published.Count == 300, s_deadline, "the 300 slices to be published");
        for (var i = 0; i < 10; i++)
        {
            harness.Answer(i, "1");
        }

        await Eventually.HoldsAsync(() => harness.Job.Completed == 10, s_deadline, "the ten answers to be folded");
        var confirms = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.ConfirmGate = confirms.Task;
        var republish = harness.Job.RepublishMissingAsync(CancellationToken.None);

        // A whole window of publishes goes out while not one of them is confirmed yet.
        await Eventually.HoldsAsync(() => transport.Published.Count == 300 + SlicePublishing.MaxPublishesInFlight, s_deadline, "a window of slices to be published again");
        Assert.False(republish.IsCompleted, "The publishing again ended before any confirm.");
        confirms.SetResult();
        await republish.WaitAsync(s_deadline);

        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(1, transport.PublishedOf(i)));
        Assert.All(Enumerable.Range(10, 290), i => Assert.Equal(2, transport.PublishedOf(i)));
        Assert.False(job.IsCompleted, $"The job ended with 290 slices unanswered: {job.Status}");
    }

    private static DateTimeOffset Start => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what, TimeSpan? step = null) =>
        FakeClock.AdvanceUntilAsync(time, condition, what, s_deadline, step);
}
