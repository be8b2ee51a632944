using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// Runs the campaign: starts the cluster, the worker fleet and the producer, then each drawn job with its fault, one
/// after another; repairs after each; checks the end state; writes the history, the report and the processes' logs.
/// </summary>
internal sealed class CampaignRun(int seed, int jobs, IReadOnlyCollection<FaultKind> faults, string historyPath, string reportPath, string repositoryRoot, string workerDll)
{
    /// <summary>How long a job may run beyond its own timeout before the campaign calls it hung.</summary>
    private static readonly TimeSpan s_hangMargin = TimeSpan.FromSeconds(60);

    public async Task<int> RunAsync()
    {
        var plan = CampaignPlan.Draw(seed, jobs, faults);
        var clock = Stopwatch.StartNew();
        var machine = $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}";
        var artifacts = Path.GetDirectoryName(Path.GetFullPath(historyPath))!;
        await using var history = new History(historyPath);
        await history.AddAsync(new HistoryEntry(0, "campaign", 0, Invariant($"seed {seed}, {jobs} jobs, faults {(faults.Count > 0 ? string.Join(',', faults) : "all")}"), "started", true, Detail: machine));

        var cluster = new TestCluster(repositoryRoot);
        await cluster.StartAsync();
        await history.AddAsync(new HistoryEntry(At(clock), "check", 0, "cluster", "3 nodes running", true, clock.Elapsed.TotalMilliseconds));

        var prefix = $"pymar.k{Guid.NewGuid():N}.";
        var logs = new CapturedLogs();
        await using var fleet = new WorkerFleet(cluster, prefix, workerDll);
        CampaignProducer? producer = null;
        try
        {
            await fleet.StartAsync();
            producer = await CampaignProducer.StartAsync(cluster, prefix, logs);
            var checks = new FinalChecks(cluster, prefix);
            await history.AddAsync(new HistoryEntry(At(clock), "check", 0, "fleet", "every worker consumes", true,
                Detail: Invariant($"{WorkerFleet.Placement.Count} workers of {WorkerFleet.Slots} slots on hosts {string.Join(", ", WorkerFleet.Placement.Select(p => $"{p.Host} (node {p.Node})"))}")));

            var nemesis = new Nemesis(cluster, fleet, producer, prefix, clock);
            foreach (var job in plan)
            {
                await RunJobAsync(job, producer, nemesis, fleet, history, clock);
            }

            var leftover = await checks.LeftoverMessagesAsync();
            await history.AddAsync(new HistoryEntry(At(clock), "check", 0, "queues empty", leftover.Length == 0 ? "no message left, none held by a worker" : "messages left", leftover.Length == 0, Detail: leftover.Length == 0 ? null : leftover));
            var (doubled, counts) = await checks.DoubledConsumersAsync(WorkerFleet.Slots, WorkerFleet.MaxLookahead);
            await history.AddAsync(new HistoryEntry(At(clock), "check", 0, "consumers", doubled.Length == 0 ? "none doubled" : "doubled", doubled.Length == 0, Detail: doubled.Length == 0 ? counts : doubled));
        }
        catch (Exception ex)
        {
            await history.AddAsync(new HistoryEntry(At(clock), "check", 0, "campaign", "aborted", false, Detail: ex.ToString()));
        }
        finally
        {
            if (producer is not null)
            {
                await producer.DisposeAsync();
            }

            await File.WriteAllLinesAsync(Path.Combine(artifacts, "campaign-producer.log"), logs.Lines);
            await fleet.WriteLogsAsync(Path.Combine(artifacts, "campaign-workers"));
        }

        await HtmlReport.WriteAsync(reportPath, seed, history.Entries, machine);
        var failed = history.Entries.Count(e => !e.Ok);
        Console.WriteLine(Summary.Text(history.Entries));
        Console.WriteLine(Invariant($"campaign seed {seed}: {jobs} jobs in {clock.Elapsed.TotalMinutes:0.0} min, {failed} outcome(s) other than required; history {historyPath}, report {reportPath}"));
        return failed == 0 ? 0 : 1;
    }

    private static async Task RunJobAsync(JobSpec job, CampaignProducer producer, Nemesis nemesis, WorkerFleet fleet, History history, Stopwatch clock)
    {
        Console.WriteLine(job);
        var timeout = TimeSpan.FromSeconds(45) + (2 * job.Estimate);
        using var hang = new CancellationTokenSource(timeout + s_hangMargin);
        Task<long>? running = null;
        var inEffect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var striking = nemesis.StrikeAsync(job, () => running?.IsCompleted == true, inEffect);
        if (job.Fault.At < TimeSpan.Zero)
        {
            // The job meets the fault in effect: it starts that long after the fault took hold (or the nemesis gave up).
            await Task.WhenAny(inEffect.Task, striking);
            await Task.Delay(-job.Fault.At);
        }

        var start = At(clock);
        running = producer.RunAsync(job, timeout, hang.Token);
        long? answer = null;
        Exception? error = null;
        try
        {
            answer = await running;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        var end = At(clock);
        var strike = await striking;
        var exited = fleet.Exited.Where(_ => job.Fault.Kind != FaultKind.WorkerKill).Select(w => w.Name).ToList();
        var repair = await nemesis.RepairAsync(job.Fault);

        var exact = answer == job.Expected;
        var outcome = exact ? "exact" : answer is { } wrong ? Invariant($"wrong answer {wrong}") : $"failed: {error!.GetType().Name}: {Short(error.Message)}";
        var faultOutcome = strike.Error is not null ? "not injected"
            : strike.MustFailOk is { } refused ? (refused ? "refused with the documented error" : "not refused as documented")
            : !strike.HitRunningJob ? "struck after its job ended"
            : exact ? "recovered" : "its job failed";
        var faultOk = strike.Error is null && exact && strike.MustFailOk is not false;
        double? recovery = strike.MustFailMs ?? (strike.HitRunningJob && exact ? (end - strike.At) * 1000 : null);
        await history.AddAsync(new HistoryEntry(strike.At, "fault", job.Index, job.Fault.Kind.ToString(), faultOutcome, faultOk,
            RecoveryMs: recovery, RepairMs: repair > 0 ? repair : null, Detail: strike.Error is null ? strike.Detail : $"{strike.Detail}: {strike.Error}"));
        await history.AddAsync(new HistoryEntry(start, "job", job.Index, Invariant($"{job.Producer}, {(job.Slices == 0 ? "auto" : job.Slices.ToString(CultureInfo.InvariantCulture))} slices over 1..{job.Count}"),
            outcome, exact, DurationMs: (end - start) * 1000, Detail: Invariant($"{job.SliceMilliseconds} ms a slice, timeout {timeout.TotalSeconds:0} s")));
        if (exited.Count > 0)
        {
            await history.AddAsync(new HistoryEntry(At(clock), "check", job.Index, "workers", "a worker exited without being killed", false, Detail: string.Join(", ", exited)));
        }
    }

    private static double At(Stopwatch clock) => clock.Elapsed.TotalSeconds;

    private static string Short(string message) => message.Length <= 400 ? message.ReplaceLineEndings(" ") : message[..400].ReplaceLineEndings(" ") + "…";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
