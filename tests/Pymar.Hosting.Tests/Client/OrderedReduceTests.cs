using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Tests.Support;

namespace Pymar.Hosting.Tests.Client;

/// <summary>
/// On the in-process transport: an associative but not commutative reduce (string concatenation) gives
/// the one-process answer although slices finish out of order, also with retries and collected failures.
/// </summary>
public sealed class OrderedReduceTests
{
    private const int Runs = 20;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private static readonly string s_oneProcessAnswer = string.Concat(Enumerable.Range(1, 100).Select(i => i.ToString(CultureInfo.InvariantCulture) + " "));

    [Fact]
    public async Task AConcatenationGivesTheOneProcessAnswerOverManyRunsThoughSlicesFinishOutOfOrder()
    {
        var producer = new ConcatProducer();
        using var host = await StartAsync(producer);
        var client = host.Services.GetRequiredService<ProducerClient>();
        var outOfOrderRuns = 0;

        for (var run = 0; run < Runs; run++)
        {
            producer.Finished.Clear();
            var answer = await client.MapAsync(producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 7 + (run % 5), Timeout = s_deadline });

            Assert.Equal(s_oneProcessAnswer, answer);
            outOfOrderRuns += producer.Finished.SequenceEqual(producer.Finished.Order()) ? 0 : 1;
        }

        Assert.True(outOfOrderRuns > 0, "no run had its slices finish out of order, so the test proved nothing");
    }

    [Fact]
    public async Task InMemoryItemsAndComputingLocallyGiveTheSameOrderedAnswer()
    {
        var producer = new ConcatProducer();
        using var host = await StartAsync(producer);
        var client = host.Services.GetRequiredService<ProducerClient>();
        var items = DataSourceFactory<long>.FromItems([.. Enumerable.Range(1, 100).Select(i => (long)i)]);

        Assert.Equal(s_oneProcessAnswer, await client.MapAsync(producer, items, new MapOptions { SliceCount = 9, Timeout = s_deadline }));
        Assert.Equal(s_oneProcessAnswer, await client.MapAsync(producer, items, new MapOptions { ComputeLocally = true }));
    }

    [Fact]
    public async Task ARetriedSliceIsFoldedInItsPlace()
    {
        var producer = new ConcatProducer(failFirstAttemptAt: 0);
        using var host = await StartAsync(producer);

        var answer = await host.Services.GetRequiredService<ProducerClient>().MapAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, RetryCount = 1, RetryBackoff = TimeSpan.FromMilliseconds(10), Timeout = s_deadline });

        Assert.Equal(s_oneProcessAnswer, answer);
    }

    [Fact]
    public async Task AFailedSliceIsLeftOutInItsPlaceWhenFailuresAreCollected()
    {
        var producer = new ConcatProducer(failFirstAttemptAt: 50);
        using var host = await StartAsync(producer);

        var result = await host.Services.GetRequiredService<ProducerClient>().MapWithFailuresAsync(
            producer, DataSourceFactory<long>.For<NumbersDataSource>(), new MapOptions { SliceCount = 10, Timeout = s_deadline });

        Assert.Equal(s_oneProcessAnswer.Replace("51 52 53 54 55 56 57 58 59 60 ", "", StringComparison.Ordinal), result.Value);
        Assert.Equal(5, Assert.Single(result.Failures).SliceIndex);
    }

    private static Task<Microsoft.Extensions.Hosting.IHost> StartAsync(ConcatProducer producer) =>
        TestHosts.StartAsync(p =>
        {
            p.Services.AddSingleton(producer);
            p.AddProducer<ConcatProducer>().AddDataSource<NumbersDataSource>().AddWorkers(o => o.Concurrency = 4);
        });

    /// <summary>
    /// Concatenates the numbers in order. Earlier windows take longer (with jitter), so their partial values arrive
    /// after later ones; the slice at <c>failFirstAttemptAt</c> throws on its first attempt.
    /// </summary>
    public sealed class ConcatProducer(long failFirstAttemptAt = -1) : Producer<long, string>
    {
        private int _failed;

        public ConcurrentQueue<long> Finished { get; } = new();

        public override string ComputeSlice(SliceContext<long> slice)
        {
            ArgumentNullException.ThrowIfNull(slice);
            if (slice.Window.Offset == failFirstAttemptAt && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                throw new InvalidOperationException("The first attempt fails on purpose.");
            }

            Thread.Sleep((int)(100 - slice.Window.Offset) / 8 + Random.Shared.Next(4));
            var partial = base.ComputeSlice(slice);
            Finished.Enqueue(slice.Window.Offset);
            return partial;
        }

        public override IEnumerable<string> Map(IEnumerable<long> items) => items.Select(i => i.ToString(CultureInfo.InvariantCulture) + " ");

        public override string Reduce(IEnumerable<string> values) => string.Concat(values);
    }
}
