namespace Pymar.Hosting.Model;

/// <summary>
/// Items held in memory that stand for the window <c>[baseOffset, baseOffset + items.Count)</c> of a larger data
/// set: the whole list on the producer, or one slice's items on a worker.
/// </summary>
internal sealed class ItemsDataSource<TItem>(IReadOnlyList<TItem> items, long baseOffset) : DataSource<TItem>
{
    public IReadOnlyList<TItem> Items => items;

    public override long GetLength() => baseOffset + items.Count;

    public override IEnumerable<TItem> Read(SliceWindow window)
    {
        var start = checked((int)(window.Offset - baseOffset));
        var end = checked((int)(window.End - baseOffset));
        if (start < 0 || end > items.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, $"The items held here cover [{baseOffset}, {baseOffset + items.Count}).");
        }

        return ReadRange(start, end);
    }

    private IEnumerable<TItem> ReadRange(int start, int end)
    {
        if (items is TItem[] array)
        {
            return new ArraySegment<TItem>(array, start, end - start);
        }

        return Enumerate(start, end);
    }

    private IEnumerable<TItem> Enumerate(int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            yield return items[i];
        }
    }
}
