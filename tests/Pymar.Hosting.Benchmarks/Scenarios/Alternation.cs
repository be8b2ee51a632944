using System.Diagnostics;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>A contender of a scenario: one run returns one sample (a time in ms, or a rate).</summary>
/// <param name="Name">The contender's name in the tables.</param>
/// <param name="RunAsync">Runs once and returns the sample.</param>
internal sealed record Contender(string Name, Func<Task<double>> RunAsync);

/// <summary>
/// Runs contenders alternately: warm-up rounds first, then the measured rounds, each starting one contender further
/// (A B C, B C A, C A B, …), so that no contender always runs after the same one: what one leaves behind on the
/// broker (a quorum queue's log to write out, a GC to finish) falls on each of the others in turn.
/// </summary>
internal static class Alternation
{
    public static async Task<List<(string Name, IReadOnlyList<double> Samples)>> RunAsync(
        IReadOnlyList<Contender> contenders, int warmupRounds, int rounds, string label, CancellationToken cancellationToken, Func<Task>? beforeRound = null)
    {
        for (var round = 0; round < warmupRounds; round++)
        {
            foreach (var contender in contenders)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await contender.RunAsync();
            }
        }

        var samples = contenders.Select(_ => new List<double>(rounds)).ToArray();
        var progress = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            if (beforeRound is not null)
            {
                await beforeRound();
            }

            for (var k = 0; k < contenders.Count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = (round + k) % contenders.Count;
                samples[i].Add(await contenders[i].RunAsync());
            }

            if (progress.Elapsed > TimeSpan.FromSeconds(10))
            {
                await Console.Error.WriteLineAsync($"{label}: round {round + 1} of {rounds}");
                progress.Restart();
            }
        }

        return contenders.Select((c, i) => (c.Name, (IReadOnlyList<double>)samples[i])).ToList();
    }

    public static double Milliseconds(TimeSpan elapsed) => elapsed.TotalMilliseconds;

    /// <summary>Times <paramref name="run"/> and returns milliseconds.</summary>
    public static async Task<double> TimeAsync(Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        await run();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
