using System.Diagnostics;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>Waits for a condition with a deadline (never a fixed sleep), failing with what was awaited.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Waited {timeout.TotalSeconds:0} s for: {what}");
            }

            await Task.Delay(50);
        }
    }
}
