using System.Globalization;
using System.Text.RegularExpressions;
using Pymar.Hosting.RabbitMq.Tests.Support;
using static Pymar.Hosting.TestSupport.SliceLines;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>A worker holds at most its slots plus the lookahead, however many producers it serves.</summary>
[Collection(BrokerCollection.Name)]
public sealed partial class RabbitMqSliceConsumerTests(BrokerFixture broker) : IAsyncLifetime
{
    private const int Concurrency = 2;

    // Slots + Pymar:Broker:PrefetchLookahead (2 by default).
    private const int Budget = Concurrency + 2;
    private const int SlicesPerJob = 16;
    private const int SliceMilliseconds = 300;

    private static readonly string[] s_slowProducers = [SlowSum, "SecondSlowSumProducer", "ThirdSlowSumProducer"];

    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task TwoWorkersServingThreeProducersJobsAtOnceNeverHoldMoreThanSlotsPlusLookaheadAndFinishAsFastAsOneProducer()
    {
        // Each worker serves every producer the test worker registers (nine quorum work queues).
        var workers = await Task.WhenAll(
            _scope.StartWorkerAsync("worker A", Concurrency, SliceMilliseconds),
            _scope.StartWorkerAsync("worker B", Concurrency, SliceMilliseconds));

        // Three producers' jobs at once, one process each.
        string[] jobs = ["slow-sum", "slow-sum-2", "slow-sum-3"];
        var counts = new[] { 1000, 2000, 3000 };
        var producers = jobs.Select((job, i) => _scope.StartProducer($"producer {job}", job, "--slices", $"{SlicesPerJob}", "--count", $"{counts[i]}")).ToArray();

        // The broker's view while the jobs run: per consuming channel of this test, the prefetch of its consumers and
        // its unacknowledged slices.
        var answers = Task.WhenAll(producers.Select((p, i) => AssertAnswersAsync(p, SlowSumAnswer(counts[i]), BrokerScope.JobDeadline)));
        var samples = 0;
        while (!answers.IsCompleted)
        {
            var (prefetch, unacked) = await ConsumingChannelsAsync();
            foreach (var (channel, sum) in prefetch)
            {
                Assert.True(sum <= Budget, $"Channel {channel} consumes with a prefetch of {sum} in all, over the budget {Budget}.");
            }

            foreach (var (channel, held) in unacked)
            {
                Assert.True(held <= Budget, $"Channel {channel} holds {held} unacknowledged slices, over the budget {Budget}.");
            }

            samples += prefetch.Count > 0 ? 1 : 0;
        }

        await answers;
        Assert.True(samples > 0, "rabbitmqctl never saw the workers consume while the jobs ran.");
        var together = Span(workers, s_slowProducers);

        // The producer processes start a little apart: the workers cannot be busy before the last job is published.
        var published = producers.Select(p => At(p.Lines.First(IsPublished))).ToList();
        var skew = published.Max() - published.Min();

        // The same work through one producer, on the same (now idle) workers.
        var one = _scope.StartProducer("one producer", "slow-sum", "--slices", $"{3 * SlicesPerJob}", "--count", "6000");
        var oneJob = JobId(await one.WaitForLineAsync(IsPublished, BrokerScope.StartDeadline, "that its job was published"));
        await AssertAnswersAsync(one, SlowSumAnswer(6000), BrokerScope.JobDeadline);
        var alone = Span(workers, [SlowSum], oneJob);

        await _scope.StopAllAsync();

        // The workers' own count of held slices (delivered, not yet settled), logged each time it reaches a new high.
        foreach (var worker in workers)
        {
            var most = worker.Lines.Select(l => MostHeldLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["held"].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            Assert.True(most is >= Concurrency and <= Budget, $"{worker.Name} held at most {most} slices; expected between {Concurrency} and {Budget}.\n{worker.Describe()}");
        }

        Assert.True(
            together <= (alone * 1.5) + skew + TimeSpan.FromSeconds(1),
            $"Three producers' jobs took {together.TotalSeconds:F1} s on the workers (published {skew.TotalSeconds:F1} s apart); the same work from one producer took {alone.TotalSeconds:F1} s.");
        await _scope.AssertNothingLeftAsync(s_slowProducers);
    }

    /// <summary>With short slices the lookahead grows (RabbitMqOptions.LookaheadWork) so that slots do not wait for the broker.</summary>
    [Fact]
    public async Task AWorkerGivenShortSlicesHoldsMoreThanSlotsPlusTheLeastLookaheadAndStaysUnderTheLargest()
    {
        var worker = await _scope.StartWorkerAsync("worker", Concurrency);
        const int Slices = 6000;

        var producer = _scope.StartProducer("producer", "slow-sum", "--slices", $"{Slices}", "--count", $"{Slices}");
        await AssertAnswersAsync(producer, SlowSumAnswer(Slices), BrokerScope.JobDeadline);
        await _scope.StopAllAsync();

        var lookaheads = worker.Lines.Select(l => LookaheadLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["lookahead"].Value, CultureInfo.InvariantCulture)).ToList();
        var most = worker.Lines.Select(l => MostHeldLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["held"].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        Assert.True(lookaheads.Count > 0 && lookaheads.Max() > Budget - Concurrency, $"The lookahead never grew past {Budget - Concurrency}: {string.Join(", ", lookaheads)}.\n{worker.Describe()}");
        Assert.True(lookaheads.Max() <= 32, $"The lookahead went past the largest, 32: {string.Join(", ", lookaheads)}.");
        Assert.True(most is > Budget and <= Concurrency + 32, $"The worker held at most {most} slices; expected more than {Budget} and at most {Concurrency + 32}.\n{worker.Describe()}");
        await _scope.AssertNothingLeftAsync([SlowSum]);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    /// <summary>
    /// From rabbitmqctl: the channels that consume this test's queues, with the sum of their consumers' prefetch, and
    /// those channels' unacknowledged messages.
    /// </summary>
    private async Task<(Dictionary<string, int> Prefetch, Dictionary<string, int> Unacked)> ConsumingChannelsAsync()
    {
        var prefetch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "-q", "list_consumers", "--no-table-headers", "queue_name", "channel_pid", "prefetch_count"))
        {
            var fields = line.Split('\t', StringSplitOptions.TrimEntries);
            if (fields.Length == 3 && fields[0].StartsWith(_scope.Prefix, StringComparison.Ordinal))
            {
                prefetch[fields[1]] = prefetch.GetValueOrDefault(fields[1]) + int.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        var unacked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in await BrokerFixture.CtlAsync(ChildPrograms.Ctl, "-q", "list_channels", "--no-table-headers", "pid", "messages_unacknowledged"))
        {
            var fields = line.Split('\t', StringSplitOptions.TrimEntries);
            if (fields.Length == 2 && prefetch.ContainsKey(fields[0]))
            {
                unacked[fields[0]] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return (prefetch, unacked);
    }

    /// <summary>From the first slice started to the last one done on the workers (their log timestamps), for these producers' (or this job's) slices.</summary>
    private static TimeSpan Span(ChildProcess[] workers, string[] producers, string? jobId = null)
    {
        var lines = workers.SelectMany(w => w.Lines)
            .Where(l => producers.Any(p => l.Contains($"({p}) started", StringComparison.Ordinal) || l.Contains($"({p}) done in ", StringComparison.Ordinal)))
            .Where(l => jobId is null || l.Contains(jobId, StringComparison.Ordinal))
            .Select(l => (Line: l, At: At(l)))
            .ToList();
        var first = lines.Where(l => l.Line.Contains(") started", StringComparison.Ordinal)).Min(l => l.At);
        var last = lines.Where(l => l.Line.Contains(") done in ", StringComparison.Ordinal)).Max(l => l.At);
        return last >= first ? last - first : last + TimeSpan.FromDays(1) - first;
    }

    /// <summary>The time of day a program's log line starts with (<c>HH:mm:ss.fff</c>).</summary>
    private static TimeSpan At(string line) => TimeSpan.ParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Holds (?<held>\d+) slices, the most so far")]
    private static partial Regex MostHeldLine();

    [GeneratedRegex(@"The lookahead is now (?<lookahead>\d+) slices")]
    private static partial Regex LookaheadLine();
}
