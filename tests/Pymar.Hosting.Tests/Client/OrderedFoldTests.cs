using Pymar.Hosting.Client;

namespace Pymar.Hosting.Tests.Client;

public sealed class OrderedFoldTests
{
    private static OrderedFold<string> Fold(int slices) => new(string.Concat, slices);

    [Fact]
    public void PartialsArrivingOutOfOrderAreFoldedInSliceOrder()
    {
        var fold = Fold(4);

        fold.Add(2, "c");
        fold.Add(3, "d");
        fold.Add(0, "a");
        Assert.Equal(("a", 2, false), (fold.Value, fold.Held, fold.IsComplete));
        fold.Add(1, "b");

        Assert.Equal(("abcd", 0, true), (fold.Value, fold.Held, fold.IsComplete));
    }

    [Fact]
    public void InArrivalOrderPartialsAreFoldedAsTheyComeAndADuplicateOrAFailureStillCountsOnce()
    {
        // The benchmark's switch (what ordering costs), not Pymar's semantics.
        var fold = new OrderedFold<string>(string.Concat, 4, arrivalOrder: true);

        Assert.True(fold.Add(2, "c"));
        Assert.True(fold.Add(3, "d"));
        Assert.False(fold.Add(2, "C"));
        Assert.True(fold.Skip(0));
        Assert.Equal(("cd", 0, false), (fold.Value, fold.Held, fold.IsComplete));
        Assert.True(fold.Add(1, "b"));

        Assert.Equal(("cdb", true), (fold.Value, fold.IsComplete));
    }

    [Fact]
    public void TheContiguousPrefixIsFoldedAtOnceAndNothingIsHeldWhenPartialsArriveInOrder()
    {
        var fold = Fold(3);

        fold.Add(0, "a");
        fold.Add(1, "b");

        Assert.Equal(("ab", 0), (fold.Value, fold.Held));
    }

    [Fact]
    public void ADuplicateIsFoldedOnceInItsPlace()
    {
        var fold = Fold(3);

        Assert.True(fold.Add(1, "b"));
        Assert.False(fold.Add(1, "B"));
        fold.Add(0, "a");
        Assert.False(fold.Add(0, "A"));
        fold.Add(2, "c");

        Assert.Equal("abc", fold.Value);
    }

    [Fact]
    public void AFailedSliceIsSkippedInItsPlace()
    {
        var fold = Fold(3);

        fold.Add(2, "c");
        fold.Skip(1);
        fold.Add(0, "a");

        Assert.Equal(("ac", true, true), (fold.Value, fold.HasValue, fold.IsComplete));
    }

    [Fact]
    public void NothingFoldedHasNoValue()
    {
        var fold = Fold(1);

        fold.Skip(0);

        Assert.Equal((false, true), (fold.HasValue, fold.IsComplete));
    }
}
