using Pymar.Hosting;

namespace PymarWorkerApp.SquaredSum;

/// <summary>The numbers 0 .. 999,999, made where the slice runs: only each slice's window travels.</summary>
public sealed class RangeDataSource : DataSource<long>
{
    public override long GetLength() => 1_000_000;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return x;
        }
    }
}
