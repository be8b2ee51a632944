using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// When the producer publishes a slice again (a copy of a straggler, a retry): on the job's own clock, with the
/// test playing the workers, and one job on real workers to count the copies.
/// </summary>
public sealed class StragglerRuleTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private static readonly MapOptions s_watched = new() { SpeculateStragglers = true, StragglerFloor = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task SlicesLostBeforeAnyAnswerAreAskedForAgainAndTheJobFinishes()
    {
        // Eight slices published while no worker runs, then lost (the queue purged as a worker starts with -r).
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 8, s_watched);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 8, s_deadline, "the eight slices to be published");

        // The worker started after the purge answers whatever is published from then on, and only that.
        var answered = 8;
        await AdvanceUntilAsync(
            harness.Time,
            () =>
            {
                var published = harness.Transport.Published;
                for (; answered < published.Count; answered++)
                {
                    var copy = published[answered];
                    harness.Answer(copy.SliceIndex, (copy.SliceIndex + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), copy.Attempt, computeMilliseconds: 10);
                }

                return job.IsCompleted;
            },
            "the job to finish on the slices asked for again");

        Assert.Equal(36, (await job).Value);
        Assert.InRange(harness.Transport.Published.Count, 16, 20);
        Assert.InRange(harness.Time.GetUtcNow() - Start, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task WithoutAnyAnswerEachSliceIsCopiedAFewTimesAtMost()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 8, s_watched);
        using var cancellation = new CancellationTokenSource();
        var job = harness.RunAsync(cancellationToken: cancellation.Token);
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 8, s_deadline, "the eight slices to be published");

        // An hour of the job's clock with no worker at all.
        await AdvanceUntilAsync(harness.Time, () => harness.Time.GetUtcNow() - Start >= TimeSpan.FromHours(1), "an hour to pass", step: TimeSpan.FromSeconds(30));

        // Only the oldest slice is copied, and a few times at most, while nothing is answered.
        Assert.InRange(harness.Transport.PublishedOf(0), 2, 4);
        Assert.All(Enumerable.Range(1, 7), i => Assert.Equal(1, harness.Transport.PublishedOf(i)));
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitAsync(s_deadline));
    }

    [Fact]
    public async Task ASliceWhoseCopiesAreAllLostIsPublishedAgainAfterLongerWaitsUntilItIsAnswered()
    {
        // While a cluster is split, a reply to a queue on the other side is dropped: the slice and each of its copies
        // vanish. Past its first copies the slice is still published again, each time after twice the wait before.
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 2, s_watched);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 2, s_deadline, "the two slices to be published");
        harness.Answer(0, "1", computeMilliseconds: 10);

        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 4, "slice 1 to be copied three times");
        var thirdCopy = harness.Time.GetUtcNow();
        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 5, "slice 1 to be published a fifth time", step: TimeSpan.FromSeconds(1));
        var fourthCopy = harness.Time.GetUtcNow();
        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 6, "slice 1 to be published a sixth time", step: TimeSpan.FromSeconds(1));
        Assert.InRange(fourthCopy - thirdCopy, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        Assert.InRange(harness.Time.GetUtcNow() - fourthCopy, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(21));
        harness.Answer(1, "2", harness.Transport.Published[^1].Attempt);

        Assert.Equal(3, (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task ARetryHeldByAFrozenWorkerIsCopied()
    {
        var options = new MapOptions { SpeculateStragglers = true, StragglerFloor = TimeSpan.FromSeconds(5), RetryCount = 1, RetryBackoff = TimeSpan.FromSeconds(1) };
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 2, options);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 2, s_deadline, "the two slices to be published");
        harness.Answer(0, "1", computeMilliseconds: 10);
        harness.Fail(1);

        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 2, "slice 1 to be retried");

        // The worker that took the retry froze: the retry is copied like any straggler.
        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 3, "the retry of slice 1 to be copied");
        harness.Answer(1, "2", harness.Transport.Published[^1].Attempt);

        Assert.Equal(3, (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task ACopyThatCannotBePublishedDoesNotStopTheWatch()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 2, s_watched);
        harness.Transport.FailPublishes(r => r.Attempt == 2 ? new InvalidOperationException("connection lost") : null);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 2, s_deadline, "the two slices to be published");
        harness.Answer(0, "1", computeMilliseconds: 10);

        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 2, "slice 1 to be copied after its first copy failed to publish");
        Assert.Equal(3, harness.Transport.Published[^1].Attempt);
        harness.Answer(1, "2", 3);

        Assert.Equal(3, (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task ACopyWhoseConfirmNeverComesHoldsBackNeitherTheOtherCopiesNorTheWatch()
    {
        // A broker cut off from the queue's leader may take a copy and never confirm it. The copies found with it go
        // out all the same, and the slice itself is copied again later.
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 3, s_watched);
        harness.Transport.NeverConfirm(r => r.SliceIndex == 1 && r.Attempt == 2);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 3, s_deadline, "the three slices to be published");
        harness.Answer(0, "1", computeMilliseconds: 10);

        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(2) == 2, "slice 2 to be copied beside slice 1's unconfirmed copy");
        Assert.Equal(2, harness.Transport.PublishedOf(1));
        harness.Answer(2, "3", 2, computeMilliseconds: 10);

        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(1) == 3, "slice 1 to be copied again");
        harness.Answer(1, "2", harness.Transport.Published[^1].Attempt);

        Assert.Equal(6, (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task TheLedgerLineOfAJobNamesItsUnansweredSlicesAndHowOftenEachWasCopied()
    {
        // What the producer logs when a job times out: enough to tell which rule held a slice back.
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 3, s_watched);
        harness.Transport.NeverConfirm(r => r.SliceIndex == 1 && r.Attempt == 2);
        using var cancellation = new CancellationTokenSource();
        var job = harness.RunAsync(cancellationToken: cancellation.Token);
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 3, s_deadline, "the three slices to be published");
        harness.Answer(0, "1", computeMilliseconds: 10);
        await AdvanceUntilAsync(harness.Time, () => harness.Transport.PublishedOf(2) == 2, "slices 1 and 2 to be copied");

        var ledger = harness.Job.DescribeUnanswered();

        Assert.Contains("2 unanswered (first 1, 2); by copies 0/1/2/3/more: 0/2/0/0/0", ledger, StringComparison.Ordinal);
        Assert.Contains("3 of 3 first publishes confirmed", ledger, StringComparison.Ordinal);
        Assert.Contains("straggler threshold 5.00 s", ledger, StringComparison.Ordinal);
        Assert.Contains("1 copies waiting for a confirm", ledger, StringComparison.Ordinal);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitAsync(s_deadline));
    }

    [Fact]
    public async Task OneSlowHealthySliceAmongThousandsOfShortOnesIsCopiedAFewTimesAtMost()
    {
        const string ProducerName = "OneSlowSlice";
        using var counts = new PymarCounters(ProducerName);
        using var host = await TestHosts.StartAsync(p => p.AddProducer<OneSlowSliceProducer>(ProducerName).AddWorkers(o => o.Concurrency = 2));
        var items = Enumerable.Range(0, 3000).Select(i => (long)i).ToArray();
        var options = new MapOptions { SliceCount = 3000, StragglerFloor = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromMinutes(2) };

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new OneSlowSliceProducer(), DataSourceFactory<long>.FromItems(items), options);

        Assert.Equal(items.Sum(), sum);
        Assert.InRange(counts["pymar.slices.speculated"], 0, 5);
    }

    private static DateTimeOffset Start => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what, TimeSpan? step = null) =>
        FakeClock.AdvanceUntilAsync(time, condition, what, s_deadline, step);

    /// <summary>Each slice takes 5 ms, but slice 1500 takes 3 s: slow, yet healthy.</summary>
    public sealed class OneSlowSliceProducer : Producer<long, long>
    {
        public override IEnumerable<long> Map(IEnumerable<long> items) => items;

        public override long Reduce(IEnumerable<long> values) => values.Sum();

        public override long ComputeSlice(SliceContext<long> slice)
        {
            ArgumentNullException.ThrowIfNull(slice);
            slice.CancellationToken.WaitHandle.WaitOne(slice.Window.Offset == 1500 ? TimeSpan.FromSeconds(3) : TimeSpan.FromMilliseconds(5));
            return base.ComputeSlice(slice);
        }
    }
}
