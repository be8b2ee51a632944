using System.CommandLine;
using Pymar.CommandLine;

namespace Pymar.Hosting.TestWorker;

/// <summary>
/// The test worker's parsed command line (System.CommandLine): <c>worker [--workers N]</c> or
/// <c>produce JOB [--slices N] [--timeout S] [--count N]</c>. The broker and queues come from the environment:
/// <c>Pymar__Transport=RabbitMq</c>, <c>Pymar__Broker__Uri=…</c>, <c>Pymar__Broker__QueuePrefix=…</c>.
/// </summary>
internal sealed class TestWorkerCommandLine
{
    public const string SlowSum = "slow-sum";

    /// <summary>slow-sum through <see cref="SecondSlowSumProducer"/>'s work queue.</summary>
    public const string SecondSlowSum = "slow-sum-2";

    /// <summary>slow-sum through <see cref="ThirdSlowSumProducer"/>'s work queue.</summary>
    public const string ThirdSlowSum = "slow-sum-3";

    /// <summary>A job over in-memory numbers that holds <see cref="CrashProducer.Poison"/> in its slice 1 of 3: it kills every worker that takes it.</summary>
    public const string Crash = "crash";

    /// <summary>A job of <see cref="CrashProducer"/> over harmless numbers.</summary>
    public const string NoCrash = "no-crash";

    public bool IsWorker { get; private init; }

    public string? Job { get; private init; }

    public int? Workers { get; private init; }

    public int? Slices { get; private init; }

    public TimeSpan? Timeout { get; private init; }

    public long? Count { get; private init; }

    /// <summary>
    /// produce: after each answer, read a line on stdin: <c>again</c> runs the job once more in the same process
    /// (so a late answer of the previous job still reaches its producer), anything else ends.
    /// </summary>
    public bool Repeat { get; private init; }

    /// <summary>produce: the job's <see cref="MapOptions.OnTimeout"/>.</summary>
    public TimeoutBehavior OnTimeout { get; private init; }

    /// <summary>The command; the chosen subcommand's action gets the parsed line.</summary>
    public static Command CreateCommand(Func<TestWorkerCommandLine, Task<int>> run)
    {
        var workers = new Option<int?>("--workers") { Description = "Worker slots", CustomParser = OptionRules.PositiveInt };
        var slices = new Option<int?>("--slices") { Description = "Slices of the job", CustomParser = OptionRules.PositiveInt };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "The job's timeout in seconds", CustomParser = OptionRules.PositiveSeconds };
        var onTimeout = new Option<TimeoutBehavior>("--on-timeout") { Description = "The job's OnTimeout policy: Fail or ComputeLocally", DefaultValueFactory = _ => TimeoutBehavior.Fail };
        var count = new Option<int?>("--count") { Description = "How many numbers slow-sum adds (1 .. N)", CustomParser = OptionRules.PositiveInt };
        var repeat = new Option<bool>("--repeat") { Description = "After each answer, run the job again when stdin says 'again'" };
        var job = new Argument<string>("JOB")
        {
            Description = "slow-sum (each slice waits PYMAR_TEST_SLICE_MS ms on its worker), slow-sum-2 and slow-sum-3 (the same through other producers), crash (3 slices, the middle one kills its worker), no-crash, or an example",
            Validators =
            {
                result =>
                {
                    var name = result.GetValueOrDefault<string>();
                    if (name is not (SlowSum or SecondSlowSum or ThirdSlowSum or Crash or NoCrash) && Examples.Examples.Find(name) is null)
                    {
                        result.AddError($"unknown job '{name}'.");
                    }
                },
            },
        };

        var worker = new Command("worker", "Serves every registered producer until SIGTERM / SIGINT") { workers };
        worker.SetAction(result => run(new TestWorkerCommandLine { IsWorker = true, Workers = result.GetValue(workers) }));
        var produce = new Command("produce", "Runs one job and prints 'answer: …' and 'elapsed ms: …'") { job, slices, timeout, count, onTimeout, repeat };
        produce.SetAction(result => run(new TestWorkerCommandLine
        {
            Job = result.GetValue(job),
            Slices = result.GetValue(slices),
            Timeout = result.GetValue(timeout),
            Count = result.GetValue(count),
            OnTimeout = result.GetValue(onTimeout),
            Repeat = result.GetValue(repeat),
        }));
        return new RootCommand("A worker pool or a one-job producer for the broker integration tests") { worker, produce };
    }
}
