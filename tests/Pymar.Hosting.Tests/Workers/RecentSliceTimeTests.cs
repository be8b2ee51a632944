using Pymar.Hosting.Workers;

namespace Pymar.Hosting.Tests.Workers;

/// <summary>A worker of short slices makes no slice.started events (the pump would leave them out anyway).</summary>
public sealed class RecentSliceTimeTests
{
    [Fact]
    public void BeforeAnySliceHasFinishedSlicesCountAsLong() => Assert.False(new RecentSliceTime().IsShort);

    [Fact]
    public void SlicesFarShorterThanThePumpsLingerAreShortAndLongOnesSoonAreNot()
    {
        var recent = new RecentSliceTime();
        for (var i = 0; i < 20; i++)
        {
            recent.Note(TimeSpan.FromMilliseconds(0.2));
        }

        Assert.True(recent.IsShort);

        // Slices of half a second: a few are enough to bring the started events back.
        for (var i = 0; i < 3; i++)
        {
            recent.Note(TimeSpan.FromMilliseconds(500));
        }

        Assert.False(recent.IsShort);
    }

    [Fact]
    public void SlicesAsLongAsAFifthOfTheLingerAreNotShort()
    {
        var recent = new RecentSliceTime();
        for (var i = 0; i < 20; i++)
        {
            recent.Note(RecentSliceTime.ShortSlice);
        }

        Assert.False(recent.IsShort);
    }

    [Fact]
    public void ABoundOfItsOwnTellsShortSlicesFromLongOnes()
    {
        var recent = new RecentSliceTime(TimeSpan.FromMilliseconds(1));
        Assert.False(recent.IsShort);

        recent.Note(TimeSpan.FromMilliseconds(0.05));
        Assert.True(recent.IsShort);

        // One slice of 20 ms among short ones brings the average (an eighth of its weight) over 1 ms.
        recent.Note(TimeSpan.FromMilliseconds(20));
        Assert.False(recent.IsShort);
    }
}
