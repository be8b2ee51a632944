using Microsoft.Extensions.Time.Testing;
using Pymar.Hosting.RabbitMq.Tests.Support;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>The transport's retries wait on the injected clock and log each wait.</summary>
public sealed class RabbitMqRetriesTests
{
    [Fact]
    public async Task AChannelThatWillNotReopenIsTriedAgainOnTheInjectedClockUntilItOpens()
    {
        // Ten failures wait about 80 s on a real clock (100 ms doubling to 30 s); the fake clock runs them at once.
        const int Failures = 10;
        var time = new FakeTimeProvider();
        using var logs = new CapturedLogs();
        var pipeline = RabbitMqRetries.Reopen(logs.CreateLogger("test"), time);
        var attempts = 0;

        var run = pipeline.ExecuteAsync(_ => Interlocked.Increment(ref attempts) <= Failures ? throw new IOException("the broker is gone") : ValueTask.CompletedTask).AsTask();
        for (var failed = 1; failed <= Failures; failed++)
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref attempts) >= failed, TimeSpan.FromSeconds(10)), $"Attempt {failed} did not happen.");
            Assert.False(run.IsCompleted);

            // The retry's timer is armed a moment after the attempt fails: move the clock on until the next attempt comes.
            var next = failed + 1;
            Assert.True(
                SpinWait.SpinUntil(() => { time.Advance(TimeSpan.FromSeconds(1)); return Volatile.Read(ref attempts) >= next; }, TimeSpan.FromSeconds(10)),
                $"Attempt {next} did not come after the clock moved on.");
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Failures + 1, attempts);
        var waits = logs.Lines.Where(l => l.Contains("Could not reopen the consuming channel: the broker is gone; retrying in", StringComparison.Ordinal)).ToList();
        Assert.Equal(Failures, waits.Count);
    }

    [Fact]
    public async Task AFaultThatIsNotAConnectionLossIsNotRetried()
    {
        var time = new FakeTimeProvider();
        using var logs = new CapturedLogs();
        var pipeline = RabbitMqRetries.Reopen(logs.CreateLogger("test"), time);
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new InvalidOperationException("a bug");
        }).AsTask());

        Assert.Equal(1, attempts);
    }
}
