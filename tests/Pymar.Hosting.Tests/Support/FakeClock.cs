using Microsoft.Extensions.Time.Testing;

namespace Pymar.Hosting.Tests.Support;

/// <summary>Moves a job's <see cref="FakeTimeProvider"/> on while a test waits for the job to act.</summary>
internal static class FakeClock
{
    /// <summary>Moves the clock on in steps until <paramref name="condition"/> holds, letting the job act between steps.</summary>
    public static Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what, TimeSpan deadline, TimeSpan? step = null) =>
        Eventually.HoldsAsync(
            () =>
            {
                if (condition())
                {
                    return true;
                }

                time.Advance(step ?? TimeSpan.FromMilliseconds(100));
                return false;
            },
            deadline,
            what);
}
