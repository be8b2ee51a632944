using System.Globalization;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>A worker ten times slower than the other does not set the job's time.</summary>
[Collection(BrokerCollection.Name)]
public sealed class SlowWorkerTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Slices = 8;
    private const int Count = 800;

    private readonly BrokerScope _scope = broker.NewScope();

    /// <summary>
    /// Default straggler options. The slow worker sleeps 10 s per slice (<c>PYMAR_TEST_SLICE_MS</c> is set on its
    /// process only), the fast one 1 s: the slices the slow one holds are copied while the fast one still has work,
    /// so the job takes about as long as the fast worker alone, and the slow worker's copies are dropped, not failed.
    /// </summary>
    [Fact]
    public async Task AJobWithAWorkerTenTimesSlowerTakesAboutAsLongAsTheFastWorkerAlone()
    {
        await _scope.StartWorkerAsync("fast worker", concurrency: 1, sliceMilliseconds: 1000);
        var expected = StragglerTests.SlowSumProducer(Count);
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", Slices.ToString(CultureInfo.InvariantCulture), "--count", Count.ToString(CultureInfo.InvariantCulture), "--repeat");
        // A first run warms the producer up (its connection, channels and queue declarations); the second is the baseline.
        await StragglerTests.JobTimeAsync(producer, 1, expected);
        await producer.WriteLineAsync("again");
        var fastAlone = await StragglerTests.JobTimeAsync(producer, 2, expected);

        var slow = await _scope.StartWorkerAsync("slow worker", concurrency: 1, sliceMilliseconds: 10_000);
        await producer.WriteLineAsync("again");
        var withSlow = await StragglerTests.JobTimeAsync(producer, 3, expected);
        var job = JobId(producer.Lines.Where(IsPublished).ElementAt(2));
        output.WriteLine($"fast worker alone: {fastAlone.TotalSeconds:0.00} s; with a 10x slower worker beside it: {withSlow.TotalSeconds:0.00} s ({withSlow / fastAlone:0.00}x)");

        Assert.True(
            slow.Lines.Any(l => IsStarted(l, SlowSum) && l.Contains(job, StringComparison.Ordinal)),
            $"The slow worker should have taken a slice of job {job}; the test measures nothing otherwise.\n{slow.Describe()}");
        Assert.True(withSlow <= fastAlone * 1.5, $"The job took {withSlow} with the slow worker beside the fast one, {fastAlone} on the fast one alone.\n{producer.Describe()}\n{slow.Describe()}");

        // The slow worker's copies end dropped (another copy answered, or the job ended), never as failures.
        await Eventually.HoldsAsync(
            () => !slow.Lines.Any(l => IsStarted(l, SlowSum) && l.Contains(job, StringComparison.Ordinal) && !Settled(slow, SliceIndex(l), job)),
            BrokerScope.JobDeadline,
            $"the slow worker to drop its slices of job {job}",
            TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(slow.Lines, l => l.Contains("failed", StringComparison.Ordinal) || l.Contains("Dead-lettered", StringComparison.Ordinal));
        await producer.WriteLineAsync("exit");
        Assert.Equal(0, await producer.WaitForExitAsync(BrokerScope.ExitDeadline));
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private static bool Settled(ChildProcess worker, int slice, string job) =>
        worker.Lines.Any(l => l.Contains($"Slice {slice} of job {job} ({SlowSum}) dropped", StringComparison.Ordinal) || l.Contains($"Slice {slice} of job {job} ({SlowSum}) done", StringComparison.Ordinal));
}
