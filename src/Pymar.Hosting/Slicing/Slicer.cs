namespace Pymar.Hosting.Slicing;

/// <summary>Cuts <c>[0, length)</c> into contiguous, balanced, non-empty windows.</summary>
internal static class Slicer
{
    /// <summary>
    /// Cuts <c>[0, <paramref name="length"/>)</c> into <c>min(<paramref name="sliceCount"/>, length)</c> contiguous
    /// windows whose sizes differ by at most one (length 14 in 4 slices gives 4, 4, 3, 3). No window is empty; a
    /// length of 0 gives no window.
    /// </summary>
    /// <param name="length">The number of items; not negative.</param>
    /// <param name="sliceCount">The number of slices asked for; at least 1.</param>
    public static IReadOnlyList<SliceWindow> Cut(long length, int sliceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceCount, 1);

        var count = (int)Math.Min(sliceCount, length);
        var windows = new SliceWindow[count];
        if (count == 0)
        {
            return windows;
        }

        var size = length / count;
        var remainder = length % count;
        long offset = 0;
        for (var i = 0; i < count; i++)
        {
            var limit = size + (i < remainder ? 1 : 0);
            windows[i] = new SliceWindow(offset, limit);
            offset += limit;
        }

        return windows;
    }

    /// <summary>Cuts <paramref name="range"/> as <see cref="Cut(long, int)"/> cuts <c>[0, range.Limit)</c>, each window moved to start at <c>range.Offset</c>.</summary>
    /// <param name="range">The part of the source to cut.</param>
    /// <param name="sliceCount">The number of slices asked for; at least 1.</param>
    public static IReadOnlyList<SliceWindow> Cut(SliceWindow range, int sliceCount)
    {
        var windows = Cut(range.Limit, sliceCount);
        return range.Offset == 0 ? windows : [.. windows.Select(w => w with { Offset = w.Offset + range.Offset })];
    }
}
