namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>The numbers 0 .. 99, made on the worker: their sum is 4950.</summary>
public sealed class HundredNumbers : DataSource<long>
{
    public const long Sum = 4950;

    public override long GetLength() => 100;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var i = window.Offset; i < window.End; i++)
        {
            yield return i;
        }
    }
}
