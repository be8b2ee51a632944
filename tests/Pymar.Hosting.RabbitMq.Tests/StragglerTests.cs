using System.Diagnostics;
using System.Globalization;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>A frozen worker does not set the job's time; its slices are copied and the first answer counts.</summary>
[Collection(BrokerCollection.Name)]
public sealed class StragglerTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Slices = 12;
    private const int Count = 1200;

    private readonly BrokerScope _scope = broker.NewScope();

    /// <summary>
    /// Default straggler options. Worker A computes a slice of the job, then is stopped inside its next one, holding
    /// it (and what it prefetched); B does the rest and the copies, which are published while B still has work of its
    /// own, so B never waits: the job takes at most twice as long as with both workers.
    /// </summary>
    [Fact]
    public async Task AJobWithAWorkerStoppedInsideASliceTakesAtMostTwiceAsLongAndTheLateCopyIsDroppedAndTheWorkerServesTheNextJob()
    {
        var a = await _scope.StartWorkerAsync("worker A (stopped)", concurrency: 1, sliceMilliseconds: 1000);
        var b = await _scope.StartWorkerAsync("worker B", concurrency: 1, sliceMilliseconds: 1000);
        var expected = SlowSumProducer(Count);
        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", Slices.ToString(CultureInfo.InvariantCulture), "--count", Count.ToString(CultureInfo.InvariantCulture), "--repeat");

        // The same job with no stall, for the time to compare with (measured by the producer: publish to answer),
        // after a first run that warms the producer up (its connection, channels and queue declarations).
        await JobTimeAsync(producer, 1, expected);
        await producer.WriteLineAsync("again");
        var noStall = await JobTimeAsync(producer, 2, expected);

        await producer.WriteLineAsync("again");
        await producer.WaitForLineAsync(_ => producer.Lines.Count(IsPublished) >= 3, BrokerScope.StartDeadline, "that the third job was published");
        var job = JobId(producer.Lines.Where(IsPublished).ElementAt(2));
        var started = await a.WaitForLineAsync(
            l => IsStarted(l, SlowSum) && l.Contains(job, StringComparison.Ordinal) && a.Lines.Count(x => IsStarted(x, SlowSum) && x.Contains(job, StringComparison.Ordinal)) >= 2,
            BrokerScope.JobDeadline,
            "that worker A started its second slice of the job");
        started = a.Lines.Where(x => IsStarted(x, SlowSum) && x.Contains(job, StringComparison.Ordinal)).ElementAt(1);
        var stuck = SliceIndex(started);
        Signal("STOP", a.Id);
        TimeSpan stalled;
        try
        {
            stalled = await JobTimeAsync(producer, 3, expected);
        }
        finally
        {
            Signal("CONT", a.Id);
        }

        output.WriteLine($"no stall: {noStall.TotalSeconds:0.00} s; worker A stopped inside slice {stuck}: {stalled.TotalSeconds:0.00} s ({stalled / noStall:0.00}x)");
        Assert.True(
            producer.Lines.Any(l => l.Contains("is a straggler; publishing a copy", StringComparison.Ordinal) && l.Contains($"Slice {stuck} of job {job}", StringComparison.Ordinal)),
            $"The producer should have published a copy of slice {stuck}, held by the stopped worker.\n{producer.Describe()}");
        Assert.True(stalled <= noStall * 2, $"The job took {stalled} with a stopped worker, {noStall} without (more than 2x).\n{producer.Describe()}\n{b.Describe()}");

        // After SIGCONT the stalled copy goes nowhere: its late answer is ignored by the producer (still running), or
        // the worker drops it on the notice that the job ended. Either way it is no failure.
        string? late;
        try
        {
            late = await Eventually.ReadAsync(
                () => Task.FromResult(
                    producer.Lines.FirstOrDefault(l => l.Contains($"Ignored a reply for slice {stuck} of job {job}", StringComparison.Ordinal))
                    ?? a.Lines.FirstOrDefault(l => l.Contains($"Slice {stuck} of job {job} ({SlowSum}) dropped", StringComparison.Ordinal))),
                line => line is not null,
                BrokerScope.JobDeadline,
                $"the late copy of slice {stuck} to be ignored by the producer or dropped by worker A",
                TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException ex)
        {
            // What each process said, to tell a lost reply from a worker that never went on.
            throw new TimeoutException($"{ex.Message}\n{producer.Describe()}\n{a.Describe()}\n{b.Describe()}", ex);
        }

        output.WriteLine($"the late copy: {late}");
        Assert.DoesNotContain(a.Lines, l => l.Contains("failed", StringComparison.Ordinal) || l.Contains("Dead-lettered", StringComparison.Ordinal));

        // The continued worker serves the next job.
        await producer.WriteLineAsync("again");
        await JobTimeAsync(producer, 4, expected);
        var nextJob = JobId(producer.Lines.Where(IsPublished).ElementAt(3));
        Assert.True(
            Done(a, SlowSum).Any(l => l.Contains(nextJob, StringComparison.Ordinal)),
            $"Worker A should have computed a slice of the next job {nextJob} after SIGCONT.\n{a.Describe()}");
        await producer.WriteLineAsync("exit");
        Assert.Equal(0, await producer.WaitForExitAsync(BrokerScope.ExitDeadline));
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    /// <summary>The sum of 1 .. <paramref name="count"/>, as the producer prints it.</summary>
    internal static string SlowSumProducer(long count) => (count * (count + 1) / 2).ToString(CultureInfo.InvariantCulture);

    /// <summary>Waits for the producer's <paramref name="job"/>-th answer, checks it, and returns that job's time.</summary>
    internal static async Task<TimeSpan> JobTimeAsync(ChildProcess producer, int job, string expected)
    {
        await producer.WaitForLineAsync(_ => producer.Lines.Count(IsElapsed) >= job, BrokerScope.JobDeadline, $"the answer of job {job}");
        var answers = producer.Lines.Where(l => l.StartsWith("answer: ", StringComparison.Ordinal)).ToList();
        Assert.True(answers.Count >= job && answers[job - 1] == $"answer: {expected}", $"{producer.Name} should answer {expected} for job {job}.\n{producer.Describe()}");
        var elapsed = producer.Lines.Where(IsElapsed).ElementAt(job - 1);
        return TimeSpan.FromMilliseconds(double.Parse(elapsed["elapsed ms: ".Length..], CultureInfo.InvariantCulture));
    }

    internal static void Signal(string signal, int processId)
    {
        using var kill = Process.Start("kill", [$"-{signal}", processId.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static bool IsElapsed(string line) => line.StartsWith("elapsed ms: ", StringComparison.Ordinal);
}
