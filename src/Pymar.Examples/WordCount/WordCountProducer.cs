using Pymar.Hosting;

namespace Pymar.Examples.WordCount;

/// <summary>Counts words: maps each document to its word counts and merges counts in the reduce.</summary>
public sealed class WordCountProducer : Producer<string, Dictionary<string, long>>
{
    private static readonly char[] s_separators = [' ', '\t', '\r', '\n'];

    /// <inheritdoc />
    public override int DefaultSliceCount => 3;

    /// <inheritdoc />
    public override IEnumerable<Dictionary<string, long>> Map(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var document in items)
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var word in document.Split(s_separators, StringSplitOptions.RemoveEmptyEntries))
            {
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }

            yield return counts;
        }
    }

    /// <inheritdoc />
    public override Dictionary<string, long> Reduce(IEnumerable<Dictionary<string, long>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var counts in values)
        {
            foreach (var (word, count) in counts)
            {
                total[word] = total.GetValueOrDefault(word) + count;
            }
        }

        return total;
    }
}
