using System.Globalization;

namespace Pymar.Examples;

/// <summary>The examples program's parsed command line.</summary>
internal sealed class ExampleCommandLine
{
    public const string Usage = """
        usage: Pymar.Examples <example> [options]
               Pymar.Examples worker [options]        (serve every example's producer until stopped)

        examples:
          integrate              integral of exp on [1, 10], dx = 0.000001 (9,000,000 points)
          integrate-fast         the same through the fast path (ComputeSlice over the window)
          integrate-keyed        the keyed README's variant: (key, value) elements
          squared-sum            sum of squares of 0 .. 10^7 - 1, values made on the workers
          squared-sum-inmemory   the same list made on the producer and shipped in parts
          word-count             the documents "one", "one two", ... "one two three four five six"
          squared-sum-sql        sum of squares of 0 .. 10^6 - 1 read by the workers from a table (SQLite, or --postgres)
          word-count-sql         the word count over a table of documents (--file PATH: one row per paragraph, top 20)

        options:
          --slices N       cut the job into N slices (default: the producer's)
          --workers N      worker slots in this process (default: Pymar:Worker:Concurrency)
          --local          compute in this process without workers (Pymar's local mode)
          --timeout S      fail when the job takes longer than S seconds
          --producer-only  do not start workers in this process
          --broker URI     use a RabbitMQ broker (amqp://user:pass@host:5672/vhost)
          --postgres CS    SQL examples: use PostgreSQL with this connection string (default: a SQLite file)
          --file PATH      word-count-sql: count the words of this text file, one paragraph per row
          --verbose        log at debug level
          --help           show this text
        """;

    public string? Example { get; private set; }

    public int? Slices { get; private set; }

    public int? Workers { get; private set; }

    public bool Local { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    public bool ProducerOnly { get; private set; }

    public string? Broker { get; private set; }

    public string? Postgres { get; private set; }

    public string? TextFile { get; private set; }

    public bool Verbose { get; private set; }

    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a one-line reason.</summary>
    public static ExampleCommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new ExampleCommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h":
                    line.Help = true;
                    break;
                case "--slices":
                    line.Slices = PositiveInt(arg, Value(args, ref i));
                    break;
                case "--workers":
                    line.Workers = PositiveInt(arg, Value(args, ref i));
                    break;
                case "--local":
                    line.Local = true;
                    break;
                case "--timeout":
                    var seconds = double.Parse(Value(args, ref i), NumberStyles.Float, CultureInfo.InvariantCulture);
                    line.Timeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new FormatException("--timeout must be a positive number of seconds.");
                    break;
                case "--producer-only":
                    line.ProducerOnly = true;
                    break;
                case "--broker":
                    line.Broker = Value(args, ref i);
                    break;
                case "--postgres":
                    line.Postgres = Value(args, ref i);
                    break;
                case "--file":
                    line.TextFile = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--verbose" or "-v":
                    line.Verbose = true;
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new FormatException($"unknown option '{arg}' (see --help).");
                    }

                    if (line.Example is not null)
                    {
                        throw new FormatException($"unexpected argument '{arg}': one example at a time.");
                    }

                    line.Example = arg;
                    break;
            }
        }

        return line;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{option} must be a positive whole number (got '{value}').");
}
