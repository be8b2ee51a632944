using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>How a warm-up ended: the rounds it ran and the methods the JIT compiled in its last batch of rounds.</summary>
/// <param name="Rounds">Warm-up rounds run (each runs every contender once).</param>
/// <param name="Batch">Rounds between two readings of the compiled-method counts.</param>
/// <param name="CompiledInLastBatch">
/// Methods compiled during the last batch of rounds in every process of the run; null when the fewest rounds were also
/// the most (<c>--quick</c>).
/// </param>
internal sealed record WarmupOutcome(int Rounds, int Batch, long? CompiledInLastBatch)
{
    /// <summary>True when the warm-up ended because the JIT had gone quiet.</summary>
    public bool Quiet => CompiledInLastBatch <= SteadyWarmup.QuietMethods;

    public string Describe()
    {
        var rounds = Rounds == 1 ? "1 warm-up round" : string.Create(CultureInfo.InvariantCulture, $"{Rounds} warm-up rounds");
        var batch = Batch == 1 ? "the last round" : string.Create(CultureInfo.InvariantCulture, $"the last {Batch} rounds");
        return CompiledInLastBatch switch
        {
            null => rounds,
            { } compiled when Quiet => string.Create(CultureInfo.InvariantCulture,
                $"{rounds}, until the JIT was quiet ({compiled} methods compiled in {batch}, harness and workers together)"),
            { } compiled => string.Create(CultureInfo.InvariantCulture,
                $"{rounds}, the most allowed; the JIT was still compiling ({compiled} methods in {batch})"),
        };
    }
}

/// <summary>
/// Warms contenders up until the runtime has finished compiling their code: .NET runs a method first unoptimized and
/// recompiles it optimized once it has been called often enough, on background threads that take CPU from every process
/// of the run. A fixed short warm-up measures that recompilation rather than the code, and weighs on the contender with
/// the most code; this one runs rounds in batches until a batch in which the harness and the worker processes together
/// compiled at most <see cref="QuietMethods"/> methods.
/// </summary>
internal static class SteadyWarmup
{
    /// <summary>Rounds between two readings of the compiled-method counts, for rounds of one short job each.</summary>
    public const int ShortRoundsBatch = 20;

    /// <summary>A batch that compiled at most this many methods counts as quiet (timers and rare paths still compile now and then).</summary>
    public const int QuietMethods = 2;

    /// <param name="contenders">The contenders, each run once per round.</param>
    /// <param name="minRounds">Rounds run before the first reading counts.</param>
    /// <param name="maxRounds">Rounds after which the warm-up ends even if the JIT is not quiet.</param>
    /// <param name="batch">Rounds between two readings of the compiled-method counts.</param>
    /// <param name="compiledMethods">The methods compiled so far, summed over the harness and the contenders' processes.</param>
    /// <param name="cancellationToken">Ends the warm-up.</param>
    public static async Task<WarmupOutcome> RunAsync(IReadOnlyList<Contender> contenders, int minRounds, int maxRounds, int batch, Func<Task<long>> compiledMethods, CancellationToken cancellationToken)
    {
        var rounds = 0;
        async Task RunRoundsAsync(int count)
        {
            for (var i = 0; i < count; i++, rounds++)
            {
                foreach (var contender in contenders)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await contender.RunAsync();
                }
            }
        }

        await RunRoundsAsync(minRounds);
        long? compiled = null;
        var before = await compiledMethods();
        while (rounds < maxRounds)
        {
            await RunRoundsAsync(Math.Min(batch, maxRounds - rounds));
            var after = await compiledMethods();
            compiled = after - before;
            if (compiled <= QuietMethods)
            {
                break;
            }

            before = after;
        }

        return new WarmupOutcome(rounds, batch, compiled);
    }
}
