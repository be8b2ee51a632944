using Microsoft.Extensions.Options;
using Pymar.Examples.SquaredSum;
using Pymar.Hosting;

namespace Pymar.Worker.Tests.Jobs;

/// <summary>
/// 0 .. <see cref="Length"/> − 1, each times the configured factor. It needs <see cref="ScaleSettings"/> from the
/// container (so the startup must have run) and reads through Pymar.Examples' <see cref="RangeDataSource"/> (so the
/// job's own dependency must have loaded from its directory).
/// </summary>
public sealed class ScaledRangeDataSource(IOptions<ScaleSettings> settings) : DataSource<long>
{
    public const long Length = 1000;

    public override long GetLength() => Length;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        var factor = settings.Value.Factor;
        return new RangeDataSource().Read(window).Select(x => x * factor);
    }
}
