using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Pymar.Hosting;

namespace Pymar.Hosting.Docs.Tests.Snippets;

// docs/concepts.md: an async data source.
public sealed class LinesDataSource(IConfiguration configuration) : AsyncDataSource<string>
{
    private readonly string _path = configuration["Jobs:LinesFile"] ?? "lines.txt";

    public override async ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default)
    {
        long count = 0;
        await foreach (var _ in File.ReadLinesAsync(_path, cancellationToken))
            count++;
        return count;
    }

    public override async IAsyncEnumerable<string> ReadAsync(
        SliceWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long index = 0;
        await foreach (var line in File.ReadLinesAsync(_path, cancellationToken))
        {
            if (index >= window.End)
                yield break;
            if (index++ >= window.Offset)
                yield return line;
        }
    }
}
