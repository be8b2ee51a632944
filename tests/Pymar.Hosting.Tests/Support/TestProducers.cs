namespace Pymar.Hosting.Tests.Support;

/// <summary>Sums the numbers of a <see cref="NumbersDataSource"/>.</summary>
public sealed class SumProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>Counts items; a second producer to register beside <see cref="SumProducer"/>.</summary>
public sealed class CountProducer : Producer<string, long>
{
    public override IEnumerable<long> Map(IEnumerable<string> items) => items.Select(_ => 1L);

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>Throws in Map for any slice that holds the number 13.</summary>
public sealed class ThrowingProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) =>
        items.Select(x => x == 13 ? throw new InvalidOperationException("13 is unlucky") : x);

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>Never registered anywhere.</summary>
public sealed class UnregisteredProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>The numbers 1 .. 100.</summary>
public sealed class NumbersDataSource : DataSource<long>
{
    public override long GetLength() => 100;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return x + 1;
        }
    }
}

/// <summary>Words; a second data source to register beside <see cref="NumbersDataSource"/>.</summary>
public sealed class WordsDataSource : AsyncDataSource<string>
{
    private static readonly string[] s_words = ["a", "b", "c", "d", "e"];

    public override ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default) => new(s_words.Length);

    public override async IAsyncEnumerable<string> ReadAsync(SliceWindow window, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = window.Offset; i < window.End; i++)
        {
            await Task.Yield();
            yield return s_words[i];
        }
    }
}
