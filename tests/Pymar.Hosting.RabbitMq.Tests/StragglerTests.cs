using System.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;
using Xunit.Abstractions;
using static Pymar.Hosting.RabbitMq.Tests.Support.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>Issue 13 §3: a frozen worker does not set the job's time; its slices are copied and the first answer counts.</summary>
[Collection(BrokerCollection.Name)]
public sealed class StragglerTests(BrokerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Dictionary<string, string> s_eagerStragglers = new()
    {
        ["PYMAR_TEST_STRAGGLER_FLOOR_MS"] = "300",
        ["PYMAR_TEST_STRAGGLER_MULTIPLE"] = "1",
    };

    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AJobWithAWorkerStoppedInsideASliceFinishesThroughCopiesAndTheWorkerServesTheNextJobAfterItContinues()
    {
        var a = await _scope.StartWorkerAsync("worker A (stopped)", concurrency: 1, sliceMilliseconds: 1500);
        var b = await _scope.StartWorkerAsync("worker B", concurrency: 1, sliceMilliseconds: 1500);

        // The same job with no stall, for the time to compare with.
        var clock = Stopwatch.StartNew();
        await AssertAnswersAsync(_scope.StartProducer("baseline", s_eagerStragglers, "slow-sum", "--slices", "4", "--count", "1000"), "500500");
        var noStall = clock.Elapsed;

        clock.Restart();
        var producer = _scope.StartProducer("producer", s_eagerStragglers, "slow-sum", "--slices", "4", "--count", "1000");
        var job = JobId(await producer.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that the job was published"));
        var started = await a.WaitForLineAsync(l => IsStarted(l, SlowSum) && l.Contains(job, StringComparison.Ordinal), BrokerScope.JobDeadline, "that worker A started a slice of the job");
        Signal("STOP", a.Id);
        try
        {
            await AssertAnswersAsync(producer, "500500");
            var stalled = clock.Elapsed;
            output.WriteLine($"no stall: {noStall.TotalSeconds:0.00} s; one worker stopped: {stalled.TotalSeconds:0.00} s ({stalled / noStall:0.00}x)");
            Assert.True(
                producer.Lines.Any(l => l.Contains("is a straggler; publishing a copy", StringComparison.Ordinal) && l.Contains($"Slice {SliceIndex(started)} ", StringComparison.Ordinal)),
                $"The producer should have published a copy of slice {SliceIndex(started)}, held by the stopped worker.\n{producer.Describe()}");

            // Half of the pool was lost with the slices it held, so the rest runs on one worker, plus the wait that tells a
            // straggler: issue 13 asks for 2x, measured 1.90x on a loaded 2-core machine; the bound leaves room for that load.
            Assert.True(stalled <= noStall * 2.5, $"The job took {stalled} with a stopped worker, {noStall} without.\n{producer.Describe()}\n{b.Describe()}");
        }
        finally
        {
            Signal("CONT", a.Id);
        }

        // The continued worker finishes its late copy (its answer has no job to go to) and serves the next job.
        var next = _scope.StartProducer("next", "slow-sum", "--slices", "8", "--count", "1000");
        var published = await next.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that the next job was published");
        await AssertAnswersAsync(next, "500500");
        var nextJob = JobId(published);
        Assert.True(
            Done(a, SlowSum).Any(l => l.Contains(nextJob, StringComparison.Ordinal)),
            $"Worker A should have computed a slice of the next job {nextJob} after SIGCONT.\n{a.Describe()}");
        await _scope.StopAllAsync();
        await _scope.AssertNothingLeftAsync(SlowSum);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private static void Signal(string signal, int processId)
    {
        using var kill = Process.Start("kill", [$"-{signal}", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
