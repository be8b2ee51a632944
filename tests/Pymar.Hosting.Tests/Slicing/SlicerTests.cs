using Pymar.Hosting.Slicing;

namespace Pymar.Hosting.Tests.Slicing;

public sealed class SlicerTests
{
    [Fact]
    public void Length14In4SlicesIsBalanced()
    {
        var windows = Slicer.Cut(14, 4);

        Assert.Equal([new(0, 4), new(4, 4), new(8, 3), new(11, 3)], windows);
    }

    [Fact]
    public void APartOfASourceIsCutAsItsLengthIsAndStartsAtItsOffset()
    {
        var windows = Slicer.Cut(new SliceWindow(100, 14), 4);

        Assert.Equal([new(100, 4), new(104, 4), new(108, 3), new(111, 3)], windows);
    }

    [Fact]
    public void Length2AskedFor4SlicesGives2Slices()
    {
        var windows = Slicer.Cut(2, 4);

        Assert.Equal([new(0, 1), new(1, 1)], windows);
    }

    [Fact]
    public void LengthZeroGivesNoSlice()
    {
        Assert.Empty(Slicer.Cut(0, 4));
    }

    [Fact]
    public void ASliceCountBelowOneIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Slicer.Cut(10, 0));
    }

    [Fact]
    public void WindowsCoverTheRangeExactlyOnceAndNoneIsEmpty()
    {
        var random = new Random(20261123);
        for (var trial = 0; trial < 5_000; trial++)
        {
            long length = trial % 3 == 0 ? random.NextInt64(0, 50) : random.NextInt64(0, 10_000_000_000);
            var count = random.Next(1, trial % 2 == 0 ? 10 : 5_000);

            var windows = Slicer.Cut(length, count);

            Assert.Equal((int)Math.Min(count, length), windows.Count);
            long next = 0;
            foreach (var window in windows)
            {
                Assert.Equal(next, window.Offset);
                Assert.True(window.Limit >= 1, $"empty window for length {length}, count {count}");
                next = window.End;
            }

            Assert.Equal(length, next);
            if (windows.Count > 0)
            {
                Assert.True(windows.Max(w => w.Limit) - windows.Min(w => w.Limit) <= 1, $"unbalanced for length {length}, count {count}");
            }
        }
    }
}
