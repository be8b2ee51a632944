using Pymar.Hosting.Slicing;

namespace Pymar.Hosting.Tests.Slicing;

public sealed class AutoSliceCountTests
{
    [Theory]
    [InlineData(2, 4, 1000, 1, 4, 8)] // one worker of 2 slots
    [InlineData(6, 4, 1000, 1, 4, 24)] // three workers of 2 slots
    [InlineData(6, 1, 1000, 1, 4, 6)] // balance 1: one slice per slot
    [InlineData(6, 4, 10, 1, 4, 10)] // bounded by the data length
    [InlineData(6, 4, 50, 5, 4, 10)] // bounded by 5 items per slice
    [InlineData(6, 4, 3, 5, 4, 1)] // fewer items than one slice's minimum: still one slice
    [InlineData(0, 4, 1000, 1, 4, 4)] // no live worker: the fallback
    [InlineData(0, 4, 1000, 1, 7, 7)]
    [InlineData(0, 4, 2, 1, 7, 2)] // the fallback is bounded too
    [InlineData(3, 4, 0, 1, 4, 1)] // an empty source
    public void LiveSlotsTimesBalanceBoundedByTheItems(int slots, int balance, long length, int minItems, int fallback, int expected) =>
        Assert.Equal(expected, AutoSliceCount.Choose(slots, balance, length, minItems, fallback));

    [Fact]
    public void AHugePoolDoesNotOverflow() =>
        Assert.Equal(int.MaxValue, AutoSliceCount.Choose(int.MaxValue, int.MaxValue, long.MaxValue, 1, 4));

    [Theory]
    [InlineData(-1, 4, 10, 1, 4)]
    [InlineData(1, 0, 10, 1, 4)]
    [InlineData(1, 4, -1, 1, 4)]
    [InlineData(1, 4, 10, 0, 4)]
    [InlineData(1, 4, 10, 1, 0)]
    public void OutOfRangeInputsAreRejected(int slots, int balance, long length, int minItems, int fallback) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AutoSliceCount.Choose(slots, balance, length, minItems, fallback));
}
