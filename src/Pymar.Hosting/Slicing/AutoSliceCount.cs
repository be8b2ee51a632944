namespace Pymar.Hosting.Slicing;

/// <summary>
/// The rule of <see cref="SliceCount.Auto"/>: live slots × balance, or the fallback when no slot is live, then at
/// most one slice per <c>minItems</c> items and never fewer than one. For example 6 slots × 4 over 1,000 items give
/// 24; over 50 items with at least 5 per slice, 10; no slot with a fallback of 4 gives 4.
/// </summary>
internal static class AutoSliceCount
{
    /// <summary>Chooses the slice count.</summary>
    /// <param name="liveSlots">The live worker slots serving the producer; 0 when none is known.</param>
    /// <param name="balance">Slices per slot; at least 1.</param>
    /// <param name="length">The number of items; not negative.</param>
    /// <param name="minItems">The fewest items in a slice; at least 1.</param>
    /// <param name="fallback">The count when no slot is live; at least 1.</param>
    public static int Choose(int liveSlots, int balance, long length, int minItems, int fallback)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(liveSlots);
        ArgumentOutOfRangeException.ThrowIfLessThan(balance, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(minItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fallback, 1);

        var wanted = liveSlots > 0 ? (long)liveSlots * balance : fallback;
        var byItems = length / minItems;
        return (int)Math.Clamp(Math.Min(wanted, byItems), 1, int.MaxValue);
    }
}
