using Pymar.Hosting;

namespace Pymar.Examples.Integration;

/// <summary>The x values of the Python original's integral of exp on [1, 10] with dx = 0.000001: 9,000,000 points.</summary>
public sealed class IntegrationDataSource : DataSource<double>
{
    /// <summary>The start of the interval.</summary>
    public const double Start = 1;

    /// <summary>The end of the interval.</summary>
    public const double End = 10;

    /// <summary>The step between points.</summary>
    public const double Dx = 0.000001;

    /// <inheritdoc />
    public override long GetLength() => (long)((End - Start) / Dx);

    /// <inheritdoc />
    public override IEnumerable<double> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return Start + (x * Dx);
        }
    }
}
