namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>Joins its numbers as text; the slice at offset 0 answers with <see cref="LargeChars"/> characters instead.</summary>
public sealed class LargePartialProducer : Producer<long, string>
{
    /// <summary>The length of the large partial value: 2 MiB of text, over a 1 MiB limit.</summary>
    public const int LargeChars = 2 * 1024 * 1024;

    public override IEnumerable<string> Map(IEnumerable<long> items) => items.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override string Reduce(IEnumerable<string> values) => string.Join(',', values);

    public override string ComputeSlice(SliceContext<long> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return slice.Window.Offset == 0 ? new string('x', LargeChars) : base.ComputeSlice(slice);
    }
}
