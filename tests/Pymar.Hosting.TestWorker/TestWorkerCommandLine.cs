using System.Globalization;
using Pymar.Examples;

namespace Pymar.Hosting.TestWorker;

/// <summary>The test worker's parsed command line.</summary>
internal sealed class TestWorkerCommandLine
{
    public const string SlowSum = "slow-sum";

    /// <summary>A job over in-memory numbers that holds <see cref="CrashProducer.Poison"/> in its slice 1 of 3: it kills every worker that takes it.</summary>
    public const string Crash = "crash";

    /// <summary>A job of <see cref="CrashProducer"/> over harmless numbers.</summary>
    public const string NoCrash = "no-crash";

    public const string Usage = """
        usage: Pymar.Hosting.TestWorker worker [--workers N]
               Pymar.Hosting.TestWorker produce <job> [--slices N] [--timeout S] [--count N]

        jobs: slow-sum (the numbers 1 .. N, each slice waiting PYMAR_TEST_SLICE_MS ms on its worker),
              crash (3 slices, the middle one kills its worker), no-crash (the same producer, harmless), or an example:
              integrate, integrate-fast, integrate-keyed, squared-sum, squared-sum-inmemory, word-count
        The broker and queues come from the environment: Pymar__Transport=RabbitMq, Pymar__Broker__Uri=...,
        Pymar__Broker__QueuePrefix=...
        """;

    public bool IsWorker { get; private set; }

    public string? Job { get; private set; }

    public int? Workers { get; private set; }

    public int? Slices { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    public long? Count { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a one-line reason.</summary>
    public static TestWorkerCommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not ("worker" or "produce"))
        {
            throw new FormatException("the first argument must be 'worker' or 'produce'.");
        }

        var line = new TestWorkerCommandLine { IsWorker = args[0] == "worker" };
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--workers" when line.IsWorker:
                    line.Workers = (int)Positive(arg, Value(args, ref i));
                    break;
                case "--slices" when !line.IsWorker:
                    line.Slices = (int)Positive(arg, Value(args, ref i));
                    break;
                case "--count" when !line.IsWorker:
                    line.Count = Positive(arg, Value(args, ref i));
                    break;
                case "--timeout" when !line.IsWorker:
                    line.Timeout = TimeSpan.FromSeconds(Positive(arg, Value(args, ref i)));
                    break;
                default:
                    if (arg.StartsWith('-') || line.IsWorker || line.Job is not null)
                    {
                        throw new FormatException($"unexpected argument '{arg}'.");
                    }

                    line.Job = arg is SlowSum or Crash or NoCrash || Examples.Examples.Find(arg) is not null
                        ? arg
                        : throw new FormatException($"unknown job '{arg}'.");
                    break;
            }
        }

        if (!line.IsWorker && line.Job is null)
        {
            throw new FormatException("produce needs a job.");
        }

        return line;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");

    private static long Positive(string option, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= int.MaxValue
            ? n
            : throw new FormatException($"{option} must be a positive whole number (got '{value}').");
}
