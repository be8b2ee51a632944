using System.Diagnostics;
using Pymar.Hosting;

namespace Pymar.Examples;

/// <summary>A progress line on stderr, shown once a job has run for more than a second.</summary>
internal sealed class ConsoleProgress(TextWriter error) : IProgress<MapProgress>
{
    private static readonly TimeSpan s_quietFor = TimeSpan.FromSeconds(1);
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _lock = new();
    private bool _shown;

    public void Report(MapProgress value)
    {
        if (Stopwatch.GetElapsedTime(_started) < s_quietFor)
        {
            return;
        }

        lock (_lock)
        {
            const int width = 30;
            var filled = value.TotalSlices == 0 ? width : width * value.CompletedSlices / value.TotalSlices;
            error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {value.CompletedSlices}/{value.TotalSlices} slices");
            _shown = true;
        }
    }

    /// <summary>Ends the progress line, if one was shown.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_shown)
            {
                error.WriteLine();
            }
        }
    }
}
