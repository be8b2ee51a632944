using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>What the producer does with each partial value a worker sends back: null ones, unreadable ones.</summary>
public sealed class PartialValueTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NullPartialValuesAreFoldedInTheirPlace()
    {
        var harness = new SliceJobHarness<string?>(new JoinProducer(), slices: 4);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 4, s_deadline, "the four slices to be published");

        Assert.True(harness.Answer(0, "null"));
        Assert.True(harness.Answer(1, "\"a\""));
        Assert.True(harness.Answer(2, "null"));
        Assert.True(harness.Answer(3, "\"b\""));

        Assert.Equal("-|a|-|b", (await job.WaitAsync(s_deadline)).Value);
    }

    [Fact]
    public async Task AJobWhoseReduceGivesNullForSomeSlicesFinishesWithTheAnswer()
    {
        using var host = await TestHosts.StartAsync(p => p.AddProducer<UpperHalfProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 2));
        var client = host.Services.GetRequiredService<ProducerClient>();

        var answer = await client.MapAsync(new UpperHalfProducer(), DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });

        Assert.Equal(string.Join(",", Enumerable.Range(51, 50)), answer);
    }

    [Fact]
    public async Task AReplyWhoseValueCannotBeReadIsDroppedAndItsSliceAskedAgain()
    {
        var log = new ListLogger();
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 3, logger: log);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 3, s_deadline, "the three slices to be published");

        harness.Answer(0, "1");
        harness.Answer(1, "\"not a number\"");
        harness.Answer(2, "3");
        await Eventually.HoldsAsync(() => harness.Transport.PublishedOf(1) == 2, s_deadline, "slice 1 to be asked again");
        var again = harness.Transport.Published[^1];
        harness.Answer(1, "2", again.Attempt);

        Assert.Equal(6, (await job.WaitAsync(s_deadline)).Value);
        Assert.Contains(log.Lines, line => line.Contains("slice 1", StringComparison.Ordinal) && line.Contains("cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASliceWhoseValueIsNeverReadableFailsTheJobNamingTheSlice()
    {
        var harness = new SliceJobHarness<long>(new SumProducer(), slices: 2);
        var job = harness.RunAsync();
        await Eventually.HoldsAsync(() => harness.Transport.Published.Count == 2, s_deadline, "the two slices to be published");
        harness.Answer(0, "1");

        for (var asked = 1; !job.IsCompleted; asked++)
        {
            await Eventually.HoldsAsync(() => harness.Transport.PublishedOf(1) >= asked || job.IsCompleted, s_deadline, "slice 1 to be asked again");
            harness.Answer(1, "\"not a number\"", harness.Transport.Published[^1].Attempt);
            Assert.True(asked < 10, "An unreadable value should not be asked for again without end.");
        }

        var error = await Assert.ThrowsAsync<MalformedMessageException>(() => job);
        Assert.Contains("slice 1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Joins its partials with '|', writing a null partial as '-'.</summary>
    private sealed class JoinProducer : Producer<long, string?>
    {
        public override IEnumerable<string?> Map(IEnumerable<long> items) => items.Select(x => (string?)x.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public override string? Reduce(IEnumerable<string?> values) => string.Join("|", values.Select(v => v ?? "-"));
    }

    /// <summary>Lists the numbers above 50; a slice with none of them reduces to null.</summary>
    public sealed class UpperHalfProducer : Producer<long, string?>
    {
        public override IEnumerable<string?> Map(IEnumerable<long> items) =>
            items.Select(x => x > 50 ? x.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);

        public override string? Reduce(IEnumerable<string?> values)
        {
            var kept = values.OfType<string>().ToList();
            return kept.Count == 0 ? null : string.Join(",", kept);
        }
    }
}
