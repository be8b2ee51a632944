using Pymar.Hosting;

namespace Pymar.Examples.Integration;

/// <summary>The keyed README's data source: the same x values, each paired with a default key (its index).</summary>
public sealed class KeyedIntegrationDataSource : DataSource<(long Key, double Value)>
{
    /// <inheritdoc />
    public override long GetLength() => (long)((IntegrationDataSource.End - IntegrationDataSource.Start) / IntegrationDataSource.Dx);

    /// <inheritdoc />
    public override IEnumerable<(long Key, double Value)> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return (x, IntegrationDataSource.Start + (x * IntegrationDataSource.Dx));
        }
    }
}
