using System.Globalization;

namespace Pymar.Hosting.Campaign;

/// <summary>The faults the nemesis draws from.</summary>
internal enum FaultKind
{
    NodeKill,
    NodeStop,
    QueueLeaderKill,
    NodePartition,
    HostPartition,
    WorkerKill,
    WorkerPause,
    CloseConnections,
    ReplyQueueDelete,
    ControlExchangeDelete,
    ForgedMessages,
    OversizedSlice,
}

/// <summary>
/// One fault: what, when after its job starts (negative: that long before), on which node or worker, and how long a
/// cut or pause holds.
/// </summary>
internal sealed record FaultSpec(FaultKind Kind, TimeSpan At, int Node, int Worker, TimeSpan Hold);

/// <summary>
/// One job: which producer (so which slice time: <see cref="SliceMilliseconds"/>), how many slices (0 = SliceCount.Auto),
/// the numbers 1 .. <see cref="Count"/>, and the fault drawn for it.
/// </summary>
internal sealed record JobSpec(int Index, string Producer, int SliceMilliseconds, int Slices, long Count, FaultSpec Fault)
{
    /// <summary>The exact answer: the sum of 1 .. Count.</summary>
    public long Expected => Count * (Count + 1) / 2;

    /// <summary>A rough length of the job without faults on this machine: publishing and computing on the fleet's slots.</summary>
    public TimeSpan Estimate => TimeSpan.FromSeconds(1 + (Math.Max(Slices, 16) / 400.0) + (Math.Max(Slices, 16) * SliceMilliseconds / 1000.0 / WorkerFleet.TotalSlots));

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"job {Index}: {Producer} ({SliceMilliseconds} ms a slice), {(Slices == 0 ? "auto" : Slices.ToString(CultureInfo.InvariantCulture))} slices over 1..{Count}, fault {Fault.Kind} at {Fault.At.TotalSeconds:0.0} s");
}

/// <summary>
/// The campaign's draws, a pure function of the seed: the same seed gives the same jobs and faults in the same order.
/// Fault kinds come in rounds: each round of the kinds drawn from is a seeded shuffle, so any that many consecutive
/// jobs meet every kind once.
/// </summary>
internal static class CampaignPlan
{
    /// <summary>The numbers the workers' data source holds (1 .. this).</summary>
    public const long SourceLength = 1_000_000;

    /// <summary>The producers by slice time: trivial, 50 ms, 1 s.</summary>
    public static readonly (string Producer, int SliceMilliseconds, int MaxSlices)[] Tiers =
    [
        ("SlowSumProducer", 0, 20_000),
        ("SecondSlowSumProducer", 50, 600),
        ("ThirdSlowSumProducer", 1000, 24),
    ];

    /// <summary>The jobs and faults of <paramref name="seed"/>, faults drawn from <paramref name="faults"/> (every kind when empty).</summary>
    public static IReadOnlyList<JobSpec> Draw(int seed, int jobs, IReadOnlyCollection<FaultKind> faults)
    {
        var random = new Random(seed);
        var kinds = faults.Count > 0 ? [.. faults] : Enum.GetValues<FaultKind>();
        var round = Array.Empty<FaultKind>();
        var plan = new List<JobSpec>(jobs);
        for (var i = 0; i < jobs; i++)
        {
            if (i % kinds.Length == 0)
            {
                round = [.. kinds];
                random.Shuffle(round);
            }

            plan.Add(DrawJob(random, i + 1, round[i % kinds.Length]));
        }

        return plan;
    }

    private static JobSpec DrawJob(Random random, int index, FaultKind kind)
    {
        var roll = random.NextDouble();
        var tier = Tiers[roll < 0.6 ? 0 : roll < 0.85 ? 1 : 2];
        var slices = LogUniform(random, 4, tier.MaxSlices);
        var auto = tier.SliceMilliseconds == 0 && random.NextDouble() < 0.15;
        if (kind == FaultKind.CloseConnections)
        {
            // The connections close while the job still publishes: a large job of trivial slices.
            tier = Tiers[0];
            slices = LogUniform(random, 8_000, 20_000);
            auto = false;
        }

        var count = Math.Min(SourceLength, slices * (long)LogUniform(random, 1, 50));
        var spec = new JobSpec(index, tier.Producer, tier.SliceMilliseconds, auto ? 0 : slices, count, null!);
        // A short job meets its fault already in effect (a negative time: the job starts that long after the strike);
        // a longer one is struck while it runs.
        var at = kind switch
        {
            FaultKind.CloseConnections => TimeSpan.FromSeconds(random.NextDouble() * 0.3),
            _ when spec.Estimate < TimeSpan.FromSeconds(4) && kind != FaultKind.OversizedSlice => TimeSpan.FromSeconds(-2 * random.NextDouble()),
            _ => TimeSpan.FromSeconds(Math.Max(0.1, random.NextDouble() * 0.5 * spec.Estimate.TotalSeconds)),
        };
        var hold = kind switch
        {
            FaultKind.NodePartition or FaultKind.HostPartition => TimeSpan.FromSeconds(5 + random.Next(16)),
            FaultKind.WorkerPause => TimeSpan.FromSeconds(2 + random.Next(14)),
            _ => TimeSpan.Zero,
        };
        var fault = new FaultSpec(kind, at, 1 + random.Next(3), random.Next(WorkerFleet.Placement.Count), hold);
        return spec with { Fault = fault };
    }

    private static int LogUniform(Random random, int min, int max) =>
        (int)Math.Round(Math.Exp(Math.Log(min) + (random.NextDouble() * (Math.Log(max) - Math.Log(min)))));
}
