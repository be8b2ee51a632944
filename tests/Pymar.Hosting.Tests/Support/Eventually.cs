using System.Diagnostics;

namespace Pymar.Hosting.Tests.Support;

/// <summary>Waits for a condition with a deadline, never for a fixed time.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException($"Waited {deadline.TotalSeconds} s for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
