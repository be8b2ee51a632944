using Pymar.Hosting;

namespace Pymar.Examples.WordCount;

/// <summary>Pymar's canonical word-count documents: "one", "one two", … "one two three four five six".</summary>
public sealed class DocumentsDataSource : DataSource<string>
{
    private static readonly string[] s_words = ["one", "two", "three", "four", "five", "six"];

    /// <summary>The documents, in order (also the rows of the SQL word-count example's table).</summary>
    public static IReadOnlyList<string> Documents { get; } = [.. Enumerable.Range(1, s_words.Length).Select(n => string.Join(' ', s_words.Take(n)))];

    /// <inheritdoc />
    public override long GetLength() => Documents.Count;

    /// <inheritdoc />
    public override IEnumerable<string> Read(SliceWindow window)
    {
        for (var i = window.Offset; i < window.End; i++)
        {
            yield return Documents[(int)i];
        }
    }
}
