using Pymar.Hosting.Client;

namespace Pymar.Hosting.Tests.Client;

public sealed class PublishWindowTests
{
    [Fact]
    public async Task APlaceIsTakenAtOnceWhileOneIsFree()
    {
        var window = new PublishWindow(2);

        await window.WaitAsync(CancellationToken.None);
        await window.WaitAsync(CancellationToken.None);

        var third = window.WaitAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        window.Release();
        await third;
    }

    [Fact]
    public async Task AWaitWithNoFreePlaceEndsWhenAPlaceIsFreed()
    {
        var window = new PublishWindow(1);
        await window.WaitAsync(CancellationToken.None);

        var waiting = window.WaitAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        window.Release();

        Assert.True(waiting.IsCompletedSuccessfully);
        await waiting;

        // The freed place went to that wait: the next one waits again.
        var next = window.WaitAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        window.Release();
        await next;
    }

    [Fact]
    public async Task AWaitIsCancelledWithItsTokenAndThePlaceFreedLaterIsKept()
    {
        var window = new PublishWindow(1);
        await window.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = window.WaitAsync(cancel.Token);
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        Assert.Equal(cancel.Token, error.CancellationToken);
        window.Release();
        await window.WaitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AWaitWithATokenAlreadyCancelledIsCancelledEvenWithAFreePlace()
    {
        var window = new PublishWindow(1);

        var cancelled = window.WaitAsync(new CancellationToken(canceled: true));

        Assert.True(cancelled.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        await window.WaitAsync(CancellationToken.None);
    }
}
