using System.Diagnostics;
using System.Globalization;

namespace Pymar.Hosting.TestSupport;

/// <summary>Waits for a condition with a deadline, never for a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Reads a value until <paramref name="accept"/> holds for it and returns it; fails after <paramref name="deadline"/>.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> accept, TimeSpan deadline, string what, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(accept);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await read().ConfigureAwait(false);
            if (accept(value))
            {
                return value;
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {deadline.TotalSeconds} s for {what}; last seen: {Show(value)}."));
            }

            await Task.Delay(poll ?? s_poll).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails after <paramref name="deadline"/>.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan deadline, string what, TimeSpan? poll = null) =>
        ReadAsync(() => Task.FromResult(condition()), held => held, deadline, what, poll);

    private static string Show<T>(T value) => value switch
    {
        null => "nothing",
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object?>()) + "]",
        _ => value.ToString() ?? "",
    };
}
