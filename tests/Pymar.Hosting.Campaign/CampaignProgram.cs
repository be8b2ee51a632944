using System.CommandLine;
using System.Reflection;

namespace Pymar.Hosting.Campaign;

/// <summary>
/// <c>campaign --seed N --jobs N [--faults K,K…] --history PATH --report PATH [--plan]</c>: the seeded fault campaign on the 3-node
/// cluster (root). Exits 0 when every job and fault had the outcome required and the end state is clean, 1 otherwise.
/// </summary>
public static class CampaignProgram
{
    public static async Task<int> Main(string[] args)
    {
        var seed = new Option<int>("--seed") { Description = "The seed every draw comes from (jobs, faults, their timing)", DefaultValueFactory = _ => 1 };
        var jobs = new Option<int>("--jobs") { Description = "How many jobs to run", DefaultValueFactory = _ => 12 };
        var historyPath = new Option<string>("--history") { Description = "Where to write the history (JSON lines)", DefaultValueFactory = _ => "campaign-history.jsonl" };
        var reportPath = new Option<string>("--report") { Description = "Where to write the HTML report", DefaultValueFactory = _ => "campaign-report.html" };
        var faults = new Option<FaultKind[]>("--faults")
        {
            Description = "The fault kinds to draw from, comma-separated (every kind when not given)",
            CustomParser = arg => [.. arg.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(Enum.Parse<FaultKind>)],
        };
        var planOnly = new Option<bool>("--plan") { Description = "Print the jobs and faults the seed draws, and run nothing" };
        var root = new RootCommand("A seeded fault campaign on the 3-node RabbitMQ cluster of deploy/cluster/ (run as root)") { seed, jobs, faults, historyPath, reportPath, planOnly };
        root.Validators.Add(result =>
        {
            if (result.GetValue(jobs) < 1)
            {
                result.AddError("--jobs must be at least 1.");
            }
        });
        root.SetAction(async result =>
        {
            if (result.GetValue(planOnly))
            {
                foreach (var job in CampaignPlan.Draw(result.GetValue(seed), result.GetValue(jobs), result.GetValue(faults) ?? []))
                {
                    Console.WriteLine(job);
                }

                return 0;
            }

            var assembly = typeof(CampaignProgram).Assembly;
            var workerDll = typeof(Pymar.Hosting.TestWorker.TestWorkerProgram).Assembly.Location;
            var run = new CampaignRun(result.GetValue(seed), result.GetValue(jobs), result.GetValue(faults) ?? [], result.GetValue(historyPath)!, result.GetValue(reportPath)!, BuiltPrograms.Metadata(assembly, "PymarRepositoryRoot"), workerDll);
            return await run.RunAsync();
        });
        return await root.Parse(args).InvokeAsync();
    }
}
