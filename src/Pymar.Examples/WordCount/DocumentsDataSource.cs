using Pymar.Hosting;

namespace Pymar.Examples.WordCount;

/// <summary>Pymar's canonical word-count documents: "one", "one two", … "one two three four five six".</summary>
public sealed class DocumentsDataSource : DataSource<string>
{
    private static readonly string[] s_words = ["one", "two", "three", "four", "five", "six"];

    /// <inheritdoc />
    public override long GetLength() => s_words.Length;

    /// <inheritdoc />
    public override IEnumerable<string> Read(SliceWindow window)
    {
        for (var i = window.Offset; i < window.End; i++)
        {
            yield return string.Join(' ', s_words.Take((int)i + 1));
        }
    }
}
