using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>The harness's command line.</summary>
internal sealed class BenchmarkOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Pymar.Hosting.Benchmarks -- [scenario] [options]

        scenarios (default: all, in this order):
          latency      a job of 4 trivial slices; Pymar vs. raw RabbitMQ.Client RPC vs. MassTransit 8.5
          throughput   one job of 10,000 trivial slices; slices per second, same contenders
          many-producers  8 producer hosts (--producers) submitting 4-slice jobs at once to one worker process, round
                       after round: job latency p50 and p99 and fairness between producers; Pymar vs. 8 raw RPC clients
          compute      the Python original's integral of exp on [1, 10] with 9×10^8 points; Pymar (workers in another process)
                       vs. one thread vs. Parallel.For, for iterator-style code and for the fast path
          wire         bytes published per slice and per job (data-source job, in-memory job of 10^7 integers)
          memory       the producer process's peak working set for 10^4-, 10^5- and 10^6-slice jobs (quick: smaller)
          sql          SQL data sources: time per slice of a 10^6-row table, keyset, key-range and offset paging, by depth
                       (SQLite, and PostgreSQL at 127.0.0.1:5433 or PYMAR_BENCH_POSTGRES)
          cluster      latency and throughput on the 3-node cluster of deploy/cluster (workers in host namespaces,
                       run as root); Pymar vs. raw RPC. In `all` it runs only when the cluster is up, else a note
          stragglers   the compute job (4 slices, fast path) on two worker processes of one slot, one of them stopped
                       (SIGSTOP) inside a slice: Pymar (default straggler options) vs. raw RPC vs. MassTransit, each
                       run with a time limit (60 s; 20 s quick) and reported as "did not finish" past it. Skipped by
                       `all --quick` (the stall it measures lasts seconds by design); `stragglers --quick` runs it small
          all          every scenario

        options:
          --quick            tiny sizes, a smoke test of every scenario (well under a minute for all)
          --json PATH        also write the figures as JSON
          --broker URI       the broker (default amqp://guest:guest@127.0.0.1:5672/)
          --jobs N           latency: measured jobs per contender (default 200; quick 10)
          --slices N         throughput: slices of the job (default 10000; quick 300)
          --rounds N         throughput, compute, memory: measured rounds per contender (default 3, 3, 1; quick 1)
          --slots N          consumer slots of every contender's workers (default 2)
          --compute-slices N compute: slices of the Pymar job (default 4, the Python original's WORKERS_NUMBER)
          --raw-prefetch N   prefetch per consumer of the raw reference (default 1: unacknowledged = slots, as Pymar)
          --no-masstransit   leave the MassTransit contender out
          --no-celery        leave the Celery contender out (it runs only where /usr/bin/python3 imports celery:
                             apt-get install python3-celery)
          --no-classic       leave out the Pymar contender with Pymar:Broker:QueueType=classic
          --no-events        throughput: leave out what events cost (Pymar with events on against its twin with events off)
          --events-rounds N  throughput: rounds of that pair alone (default 48; quick 2), spread over
                             generations of fresh processes (one per 6 rounds; quick 1)
          --no-ordering      throughput: leave out what the ordered fold costs (against folding in arrival order)
          --ordering-rounds N  throughput: rounds of the ordering pair alone (default 48; quick 2), in generations as above
          --ordering-aa      throughput: an A/A run of the ordering pair (both arms fold in slice order), to see the
                             spread the paired method gives by itself
          --producers N      many-producers: producer hosts (and raw RPC clients) at once (default 8)
          --producer-jobs N  many-producers: jobs each producer runs back to back per round (default 25; quick 3)
          --producer-rounds N  many-producers: measured rounds per contender (default 12; quick 2)
          --no-breakdown     skip the traced pass that says where the time goes
          --allocation-types throughput: also say which types Pymar's producer allocates per slice (the runtime's
                             allocation samples, about one per 100 KB allocated)
          --what-if-prefetch N  an experiment, not Pymar's behaviour: the Pymar workers' transport decorator asks
                             RabbitMQ for prefetch N instead of the pool's concurrency (the pool still runs --slots at once)
          --quiet-wait S     before each scenario, wait up to S seconds for the machine to be idle (>= 85 % idle
                             for 5 s in a row; default 300, quick 0): other work on a 2-core machine skews figures
        """;

    public string Scenario { get; private set; } = "all";

    public bool Quick { get; private set; }

    public string? JsonPath { get; private set; }

    public string Broker { get; private set; } = "amqp://guest:guest@127.0.0.1:5672/";

    public int? Jobs { get; private set; }

    public int? Slices { get; private set; }

    public int? Rounds { get; private set; }

    /// <summary>throughput: rounds of the events-on contender and its twin alone (--events-rounds).</summary>
    public int? EventsRoundsOption { get; private set; }

    /// <summary>throughput: rounds of the ordering pair alone (--ordering-rounds).</summary>
    public int? OrderingRoundsOption { get; private set; }

    /// <summary>throughput: measure what the ordered fold costs (off with --no-ordering).</summary>
    public bool OrderingContender { get; private set; } = true;

    /// <summary>throughput: run the ordering pair as an A/A (both arms fold in slice order).</summary>
    public bool OrderingAa { get; private set; }

    /// <summary>many-producers: producer hosts (and raw clients) submitting at once.</summary>
    public int Producers { get; private set; } = 8;

    public int? ProducerJobsOption { get; private set; }

    public int? ProducerRoundsOption { get; private set; }

    public int Slots { get; private set; } = 2;

    public int ComputeSlices { get; private set; } = 4;

    public int RawPrefetch { get; private set; } = 1;

    public bool MassTransit { get; private set; } = true;

    /// <summary>Also run Celery (Debian's python3-celery) in latency and throughput, when /usr/bin/python3 can import it.</summary>
    public bool Celery { get; private set; } = true;

    public bool Breakdown { get; private set; } = true;

    /// <summary>Also run Pymar with classic queues (Pymar:Broker:QueueType=classic) in latency and throughput.</summary>
    public bool Classic { get; private set; } = true;

    /// <summary>Also measure, in throughput, Pymar with events on (UseRabbitMqEvents on workers and producer) against its twin with events off.</summary>
    public bool EventsContender { get; private set; } = true;

    /// <summary>A child Pymar worker publishes events (UseRabbitMqEvents).</summary>
    public bool Events { get; private set; }

    /// <summary>The queue type a child Pymar worker uses (quorum or classic).</summary>
    public string QueueType { get; private set; } = "quorum";

    public bool Help { get; private set; }

    /// <summary>In throughput, also sample the types Pymar's producer allocates (see <see cref="AllocationSampler"/>).</summary>
    public bool AllocationTypes { get; private set; }

    public int? QuietWait { get; private set; }

    /// <summary>An experiment: Pymar workers consume with this prefetch instead of their concurrency (see README).</summary>
    public int? WhatIfPrefetch { get; private set; }

    /// <summary>The internal role of a child process (pymar-worker, raw-worker, memory-producer), or null.</summary>
    public string? Role { get; private set; }

    public string? Prefix { get; private set; }

    public double? Dx { get; private set; }

    public IReadOnlyList<string> Arguments { get; private set; } = [];

    public static readonly string[] Scenarios = ["latency", "throughput", "many-producers", "compute", "wire", "memory", "sql", "cluster", "stragglers"];

    /// <summary>These options against another broker, with only Pymar and the raw references (the cluster scenario).</summary>
    public BenchmarkOptions ForBroker(string broker)
    {
        var copy = (BenchmarkOptions)MemberwiseClone();
        copy.Broker = broker;
        copy.MassTransit = false;
        copy.Celery = false;
        copy.Classic = false;
        copy.Breakdown = false;
        return copy;
    }

    public static BenchmarkOptions Parse(string[] args)
    {
        var o = new BenchmarkOptions { Arguments = args };
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h": o.Help = true; break;
                case "--quick": o.Quick = true; break;
                case "--json": o.JsonPath = Value(args, ref i); break;
                case "--broker": o.Broker = Value(args, ref i); break;
                case "--jobs": o.Jobs = Positive(arg, Value(args, ref i)); break;
                case "--slices": o.Slices = Positive(arg, Value(args, ref i)); break;
                case "--rounds": o.Rounds = Positive(arg, Value(args, ref i)); break;
                case "--events-rounds": o.EventsRoundsOption = Positive(arg, Value(args, ref i)); break;
                case "--ordering-rounds": o.OrderingRoundsOption = Positive(arg, Value(args, ref i)); break;
                case "--no-ordering": o.OrderingContender = false; break;
                case "--ordering-aa": o.OrderingAa = true; break;
                case "--producers": o.Producers = Positive(arg, Value(args, ref i)); break;
                case "--producer-jobs": o.ProducerJobsOption = Positive(arg, Value(args, ref i)); break;
                case "--producer-rounds": o.ProducerRoundsOption = Positive(arg, Value(args, ref i)); break;
                case "--slots": o.Slots = Positive(arg, Value(args, ref i)); break;
                case "--compute-slices": o.ComputeSlices = Positive(arg, Value(args, ref i)); break;
                case "--raw-prefetch": o.RawPrefetch = Positive(arg, Value(args, ref i)); break;
                case "--no-masstransit": o.MassTransit = false; break;
                case "--no-celery": o.Celery = false; break;
                case "--no-breakdown": o.Breakdown = false; break;
                case "--no-classic": o.Classic = false; break;
                case "--no-events": o.EventsContender = false; break;
                case "--events": o.Events = true; break;
                case "--allocation-types": o.AllocationTypes = true; break;
                case "--what-if-prefetch": o.WhatIfPrefetch = Positive(arg, Value(args, ref i)); break;
                case "--quiet-wait": o.QuietWait = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture); break;
                case "--queue-type": o.QueueType = Value(args, ref i); break;
                case "--role": o.Role = Value(args, ref i); break;
                case "--prefix": o.Prefix = Value(args, ref i); break;
                case "--dx": o.Dx = double.Parse(Value(args, ref i), CultureInfo.InvariantCulture); break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new FormatException($"unknown option '{arg}' (see --help)");
                    }

                    if (arg != "all" && !Scenarios.Contains(arg))
                    {
                        throw new FormatException($"unknown scenario '{arg}' (see --help)");
                    }

                    o.Scenario = arg;
                    break;
            }
        }

        return o;
    }

    /// <summary>The step of the integral: 1e-8 (9×10^8 points), or 1e-6 (9×10^6) with --quick.</summary>
    public double IntegralDx => Dx ?? (Quick ? 1e-6 : 1e-8);

    public int LatencyJobs => Jobs ?? (Quick ? 10 : 200);

    /// <summary>latency: the fewest warm-up rounds (the warm-up goes on until the JIT is quiet: <see cref="Scenarios.SteadyWarmup"/>).</summary>
    public int LatencyWarmup => Quick ? 3 : 30;

    /// <summary>latency: the most warm-up rounds.</summary>
    public int LatencyWarmupMax => Quick ? 3 : 2_000;

    public int ThroughputSlices => Slices ?? (Quick ? 300 : 10_000);

    public int ThroughputRounds => Rounds ?? (Quick ? 1 : 3);

    public int EventsRounds => EventsRoundsOption ?? (Quick ? 2 : 48);

    public int OrderingRounds => OrderingRoundsOption ?? (Quick ? 2 : 48);

    /// <summary>throughput: jobs of each measured contender in the pass that counts the producer's allocations alone.</summary>
    public int AllocationJobs => Quick ? 1 : 3;

    public int ProducerJobs => ProducerJobsOption ?? (Quick ? 3 : 25);

    public int ProducerRounds => ProducerRoundsOption ?? (Quick ? 2 : 12);

    public int ComputeRounds => Rounds ?? (Quick ? 1 : 3);

    public int MemoryRounds => Rounds ?? 1;

    /// <summary>memory: the baseline job, then 10^4, 10^5 and 10^6 slices (quick: 200, 1,000 and 5,000).</summary>
    public int[] MemorySlices => Quick ? [4, 200, 1_000, 5_000] : [4, 10_000, 100_000, 1_000_000];

    public int WireManySlices => Quick ? 300 : 10_000;

    public int BreakdownJobs => Quick ? 5 : 60;

    /// <summary>How long to wait, before each scenario, for the shared machine to be idle (0 with --quick).</summary>
    public int QuietWaitSeconds => QuietWait ?? (Quick ? 0 : 300);

    public int InMemoryItems => Quick ? 100_000 : 10_000_000;

    /// <summary>stragglers: how long a stalled job may run before it is reported as not finished.</summary>
    public TimeSpan StragglerLimit => Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    private static string Value(string[] args, ref int i) =>
        i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");

    private static int Positive(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{option} must be a positive whole number (got '{value}')");
}
