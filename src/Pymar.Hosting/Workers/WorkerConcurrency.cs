using System.ComponentModel;
using System.Globalization;

namespace Pymar.Hosting.Workers;

/// <summary>
/// How many slices a worker pool runs at once: a fixed number of slots, or a range <c>min..max</c> within which the
/// pool grows while its queues hold a backlog and shrinks back after <see cref="WorkerOptions.ScaleDownAfter"/> without
/// one. Configuration binds both forms: <c>"Concurrency": 4</c> and <c>"Concurrency": "2..8"</c>; in code a number
/// converts to a fixed value (<c>o.Concurrency = 4</c>).
/// </summary>
/// <example>
/// <c>WorkerConcurrency.Parse("2..8")</c> is <c>Min = 2, Max = 8</c> (elastic); <c>WorkerConcurrency.Parse("4")</c> is
/// <c>Min = Max = 4</c> (fixed).
/// </example>
[TypeConverter(typeof(WorkerConcurrencyConverter))]
public readonly record struct WorkerConcurrency
{
    private const string Separator = "..";

    /// <summary>A fixed number of slots.</summary>
    /// <param name="slots">The slots, at least 1.</param>
    public WorkerConcurrency(int slots)
        : this(slots, slots)
    {
    }

    /// <summary>A range of slots the pool moves within.</summary>
    /// <param name="min">The slots it starts with and never goes below, at least 1.</param>
    /// <param name="max">The most slots it grows to, at least <paramref name="min"/>.</param>
    public WorkerConcurrency(int min, int max)
    {
        Min = min;
        Max = max;
    }

    /// <summary>The slots the pool starts with and never goes below.</summary>
    public int Min { get; }

    /// <summary>The most slots the pool grows to (equal to <see cref="Min"/> when fixed).</summary>
    public int Max { get; }

    /// <summary>True when the pool grows and shrinks (<see cref="Max"/> above <see cref="Min"/>).</summary>
    public bool IsElastic => Max > Min;

    /// <summary>A fixed number of slots.</summary>
    /// <param name="slots">The slots.</param>
    public static implicit operator WorkerConcurrency(int slots) => new(slots);

    /// <summary>A fixed number of slots (the named form of the conversion from <see cref="int"/>).</summary>
    /// <param name="slots">The slots.</param>
    public static WorkerConcurrency FromInt32(int slots) => new(slots);

    /// <summary>Reads <c>"4"</c> (fixed) or <c>"2..8"</c> (a range); the bounds are checked when the options are validated.</summary>
    /// <param name="text">The text to read.</param>
    /// <exception cref="FormatException">The text is neither a whole number nor two joined by <c>..</c>.</exception>
    public static WorkerConcurrency Parse(string text) =>
        TryParse(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a concurrency: give a number of slots such as 4, or a range min..max such as 2..8.");

    /// <summary>Reads <c>"4"</c> or <c>"2..8"</c>; false when the text is neither.</summary>
    /// <param name="text">The text to read.</param>
    /// <param name="value">The concurrency read, or default.</param>
    public static bool TryParse(string? text, out WorkerConcurrency value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var at = text.IndexOf(Separator, StringComparison.Ordinal);
        if (at < 0)
        {
            if (!TryParseSlots(text, out var slots))
            {
                return false;
            }

            value = new WorkerConcurrency(slots);
            return true;
        }

        if (!TryParseSlots(text.AsSpan(0, at), out var min) || !TryParseSlots(text.AsSpan(at + Separator.Length), out var max))
        {
            return false;
        }

        value = new WorkerConcurrency(min, max);
        return true;
    }

    /// <summary><c>"4"</c> when fixed, <c>"2..8"</c> for a range: the form <see cref="Parse"/> reads.</summary>
    public override string ToString() =>
        Min == Max
            ? Min.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Min}{Separator}{Max}");

    private static bool TryParseSlots(ReadOnlySpan<char> text, out int slots) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out slots);
}
