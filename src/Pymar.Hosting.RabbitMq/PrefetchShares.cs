namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Hands a worker's budget of held slices (its slots plus the lookahead) out across the work queues it serves, one
/// credit at a time to the queue that has the fewest so far. Queues with waiting messages come first, each up to its
/// depth; the rest is spread over the recently active queues (waiting messages or a delivery lately), so that back to
/// back jobs of one producer keep the whole budget on its queue. A queue that is not active gets no credit while some
/// queue is (the depth poll watches it); only when none is active is the rest spread over every queue, so that a new
/// job's first slice is picked up at once. Ties go to the queue that holds more credits now (fewer consumers move),
/// and, when more queues wait than there are credits, to the next queues in turn (<c>rotation</c>), so none starves.
/// </summary>
/// <example>
/// Budget 4, depths [10, 0, 3], current [0, 4, 0]: the waiting queues 0 and 2 get 2 each, queue 1 none → [2, 0, 2].
/// Budget 4, depths [0, 0, 0], queue 0 active: [4, 0, 0]. Budget 4, depths [0, 0, 0], none active: [2, 1, 1].
/// </example>
internal static class PrefetchShares
{
    /// <summary>The credits per queue; they sum to <paramref name="budget"/> (or to 0 when there is no queue).</summary>
    /// <param name="budget">Slices the worker may hold at once, at least 1.</param>
    /// <param name="depths">Messages waiting in each queue (0 when unknown).</param>
    /// <param name="current">The credits each queue has now.</param>
    /// <param name="active">Whether each queue was recently active (a queue with waiting messages is, whatever this says).</param>
    /// <param name="rotation">Which queue comes first among equals when more queues wait than there are credits.</param>
    public static int[] Allocate(int budget, IReadOnlyList<long> depths, IReadOnlyList<int> current, IReadOnlyList<bool> active, int rotation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        ArgumentNullException.ThrowIfNull(depths);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(active);
        if (depths.Count != current.Count || depths.Count != active.Count)
        {
            throw new ArgumentException("One depth, one current share and one activity per queue.", nameof(current));
        }

        var count = depths.Count;
        var shares = new int[count];
        if (count == 0)
        {
            return shares;
        }

        var waiting = depths.Count(d => d > 0);
        var rotate = waiting > budget;
        var left = budget;

        // Queues with waiting messages first, each up to its depth; then the active queues, or every queue when none is.
        left = Fill(shares, left, i => depths[i] > 0 && shares[i] < depths[i], current, rotate, rotation);
        var anyActive = Enumerable.Range(0, count).Any(i => active[i] || depths[i] > 0);
        Fill(shares, left, i => !anyActive || active[i] || depths[i] > 0, current, rotate: false, rotation);
        return shares;
    }

    private static int Fill(int[] shares, int left, Func<int, bool> eligible, IReadOnlyList<int> current, bool rotate, int rotation)
    {
        var count = shares.Length;
        while (left > 0)
        {
            var best = -1;
            for (var i = 0; i < count; i++)
            {
                if (eligible(i) && (best < 0 || Before(i, best)))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                return left;
            }

            shares[best]++;
            left--;
        }

        return left;

        bool Before(int a, int b)
        {
            if (shares[a] != shares[b])
            {
                return shares[a] < shares[b];
            }

            if (!rotate && current[a] != current[b])
            {
                return current[a] > current[b];
            }

            return Turn(a) < Turn(b);
        }

        int Turn(int i) => (((i - rotation) % count) + count) % count;
    }
}
