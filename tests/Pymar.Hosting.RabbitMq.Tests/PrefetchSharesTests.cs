namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>How a worker's budget of held slices is handed out across the quorum work queues it serves.</summary>
public sealed class PrefetchSharesTests
{
    [Theory]
    [InlineData(4, new long[] { 0, 0, 0 }, new[] { 0, 0, 0 }, new[] { 2, 1, 1 })]
    [InlineData(4, new long[] { 10, 0, 3 }, new[] { 0, 4, 0 }, new[] { 2, 0, 2 })]
    [InlineData(4, new long[] { 1, 0, 0 }, new[] { 4, 0, 0 }, new[] { 4, 0, 0 })]
    [InlineData(4, new long[] { 1, 0, 0 }, new[] { 1, 2, 1 }, new[] { 4, 0, 0 })]
    [InlineData(4, new long[] { 100, 0, 0 }, new[] { 1, 1, 2 }, new[] { 4, 0, 0 })]
    [InlineData(4, new long[] { 1, 0, 1 }, new[] { 0, 0, 0 }, new[] { 2, 0, 2 })]
    [InlineData(3, new long[] { 5, 5 }, new[] { 1, 2 }, new[] { 1, 2 })]
    [InlineData(3, new long[] { 5, 5 }, new[] { 2, 1 }, new[] { 2, 1 })]
    [InlineData(1, new long[] { 0 }, new[] { 1 }, new[] { 1 })]
    public void WithNoQueueActiveCreditsGoToWaitingQueuesUpToTheirDepthThenEvenlyAndStayWhereTheyAreOnATie(int budget, long[] depths, int[] current, int[] expected) =>
        Assert.Equal(expected, PrefetchShares.Allocate(budget, depths, current, new bool[depths.Length], rotation: 0));

    [Theory]
    [InlineData(4, new long[] { 0, 0, 0, 0 }, new[] { 1, 1, 1, 1 }, new[] { true, false, false, false }, new[] { 4, 0, 0, 0 })]
    [InlineData(4, new long[] { 0, 0, 0, 0 }, new[] { 4, 0, 0, 0 }, new[] { true, false, true, false }, new[] { 2, 0, 2, 0 })]
    [InlineData(4, new long[] { 0, 3, 0, 0 }, new[] { 4, 0, 0, 0 }, new[] { true, false, false, false }, new[] { 1, 3, 0, 0 })]
    [InlineData(4, new long[] { 0, 1, 0, 0 }, new[] { 4, 0, 0, 0 }, new[] { true, false, false, false }, new[] { 2, 2, 0, 0 })]
    [InlineData(4, new long[] { 9, 0, 0, 0 }, new[] { 1, 1, 1, 1 }, new[] { false, true, false, false }, new[] { 4, 0, 0, 0 })]
    [InlineData(3, new long[] { 0, 0 }, new[] { 0, 3 }, new[] { true, true }, new[] { 1, 2 })]
    public void WhileSomeQueueIsActiveTheQueuesThatAreNotGetNoCredit(int budget, long[] depths, int[] current, bool[] active, int[] expected) =>
        Assert.Equal(expected, PrefetchShares.Allocate(budget, depths, current, active, rotation: 0));

    [Fact]
    public void TheSharesAlwaysSumToTheBudgetWhateverTheNumberOfQueues()
    {
        var random = new Random(11);
        for (var run = 0; run < 2000; run++)
        {
            var budget = random.Next(1, 70);
            var queues = random.Next(1, 40);
            var depths = Enumerable.Range(0, queues).Select(_ => random.Next(3) == 0 ? 0L : random.Next(0, 200)).ToArray();
            var current = Enumerable.Range(0, queues).Select(_ => random.Next(0, 3)).ToArray();
            var active = Enumerable.Range(0, queues).Select(_ => random.Next(4) == 0).ToArray();

            var shares = PrefetchShares.Allocate(budget, depths, current, active, random.Next());

            Assert.Equal(budget, shares.Sum());
            Assert.All(shares, s => Assert.InRange(s, 0, budget));

            // While some queue is active or waiting, a queue that is neither gets nothing.
            if (Enumerable.Range(0, queues).Any(i => active[i] || depths[i] > 0))
            {
                Assert.All(Enumerable.Range(0, queues).Where(i => !active[i] && depths[i] == 0), i => Assert.Equal(0, shares[i]));
            }

            // A queue with waiting messages gets no fewer credits than an empty one, unless it is full up to its depth.
            for (var i = 0; i < queues; i++)
            {
                for (var j = 0; j < queues; j++)
                {
                    if (depths[i] > 0 && depths[j] == 0 && shares[i] < depths[i])
                    {
                        Assert.True(shares[i] >= shares[j], $"Queue {i} (depth {depths[i]}) has {shares[i]}, empty queue {j} has {shares[j]}.");
                    }
                }
            }
        }
    }

    [Fact]
    public void WhenMoreQueuesWaitThanThereAreCreditsEveryQueueGetsOneInTurn()
    {
        // Budget 3, six queues all waiting: over six rebalances every queue has had a credit.
        long[] depths = [9, 9, 9, 9, 9, 9];
        var current = new int[6];
        var served = new bool[6];
        for (var rotation = 0; rotation < 6; rotation++)
        {
            current = PrefetchShares.Allocate(3, depths, current, new bool[6], rotation);
            Assert.Equal(3, current.Sum());
            Assert.All(current, s => Assert.InRange(s, 0, 1));
            for (var i = 0; i < 6; i++)
            {
                served[i] |= current[i] > 0;
            }
        }

        Assert.All(served, Assert.True);
    }

    [Fact]
    public void NoQueueGetsNothing() => Assert.Empty(PrefetchShares.Allocate(4, [], [], [], rotation: 0));
}
