namespace Pymar.Hosting.TestWorker;

/// <summary>The numbers 1 .. <see cref="TestSettings.Count"/>; item <c>x</c> of a window is <c>x + 1</c>.</summary>
public sealed class NumbersDataSource(TestSettings settings) : DataSource<long>
{
    public override long GetLength() => settings.Count;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return x + 1;
        }
    }
}
