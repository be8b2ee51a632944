using System.Globalization;

namespace Pymar.Worker.CommandLine;

/// <summary>The parsed command line of <c>pymar-worker</c>.</summary>
internal sealed class WorkerCommandLine
{
    public const string Usage = """
        usage: pymar-worker --assembly PATH --producer NAME [--producer NAME ...] [options]

        Serves the named producers of a compiled assembly as a worker pool until stopped (Pymar's worker.py).

        options:
          -a, --assembly PATH      the compiled assembly (.dll) holding the producers and data sources
          -p, --producer NAME      a producer type to serve, by simple or full name (repeatable)
          -s, --data-source NAME   a data source type its slices read, by simple or full name (repeatable)
          -q, --broker URI         the RabbitMQ broker (amqp://user:pass@host:5672/vhost); sets Pymar:Broker:Uri
          -w, --workers N          slices computed at once (Pymar:Worker:Concurrency; default: processor count)
          -r, --purge              drop the waiting slices of the served producers on start (Pymar:Worker:PurgeOnStart)
          -v, --verbose            log at debug level
          -h, --help               show this text

        Settings are read from appsettings.json beside the program, then appsettings.json in the current directory,
        then environment variables (Pymar__Broker__Host, Pymar__Broker__Password, ...), then these flags.
        A public class implementing Pymar.Hosting.IPymarWorkerStartup in the assembly registers the services its
        producers and data sources take in their constructors.

        exit codes: 0 stopped, 1 failed while running, 2 bad command line, assembly or type
        """;

    private readonly List<string> _producers = [];
    private readonly List<string> _dataSources = [];

    private WorkerCommandLine()
    {
    }

    /// <summary>The assembly path as given.</summary>
    public string? AssemblyPath { get; private set; }

    /// <summary>The producer type names as given, in order.</summary>
    public IReadOnlyList<string> Producers => _producers;

    /// <summary>The data source type names as given, in order.</summary>
    public IReadOnlyList<string> DataSources => _dataSources;

    public string? Broker { get; private set; }

    public int? Workers { get; private set; }

    public bool Purge { get; private set; }

    public bool Verbose { get; private set; }

    public bool Help { get; private set; }

    /// <summary>
    /// Parses <paramref name="args"/>; throws <see cref="WorkerInputException"/> with a one-line reason. Unless
    /// <c>--help</c> is given, <c>--assembly</c> and at least one <c>--producer</c> are required.
    /// </summary>
    public static WorkerCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var line = new WorkerCommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var (option, inlineValue) = Split(args[i]);
            switch (option)
            {
                case "-h" or "--help" or "-?":
                    line.Help = true;
                    break;
                case "-a" or "--assembly":
                    line.AssemblyPath = line.AssemblyPath is null
                        ? Value(args, ref i, option, inlineValue)
                        : throw new WorkerInputException($"{option} is given twice: one assembly per worker.");
                    break;
                case "-p" or "--producer":
                    line._producers.Add(Value(args, ref i, option, inlineValue));
                    break;
                case "-s" or "--data-source":
                    line._dataSources.Add(Value(args, ref i, option, inlineValue));
                    break;
                case "-q" or "--broker":
                    line.Broker = BrokerUri(option, Value(args, ref i, option, inlineValue));
                    break;
                case "-w" or "--workers":
                    line.Workers = PositiveInt(option, Value(args, ref i, option, inlineValue));
                    break;
                case "-r" or "--purge":
                    line.Purge = NoValue(option, inlineValue);
                    break;
                case "-v" or "--verbose":
                    line.Verbose = NoValue(option, inlineValue);
                    break;
                default:
                    throw new WorkerInputException(option.StartsWith('-')
                        ? $"unknown option '{option}' (see --help)."
                        : $"unexpected argument '{option}': options take the form --name value (see --help).");
            }
        }

        if (!line.Help)
        {
            if (line.AssemblyPath is null)
            {
                throw new WorkerInputException("--assembly is required: the path of the compiled assembly holding the producers (see --help).");
            }

            if (line._producers.Count == 0)
            {
                throw new WorkerInputException("--producer is required: name at least one producer type to serve (see --help).");
            }
        }

        return line;
    }

    /// <summary>Splits <c>--name=value</c>; other arguments have no inline value.</summary>
    private static (string Option, string? Value) Split(string arg)
    {
        if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is > 2 and var at)
        {
            return (arg[..at], arg[(at + 1)..]);
        }

        return (arg, null);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string option, string? inlineValue)
    {
        var value = inlineValue ?? (i + 1 < args.Count && !IsOption(args[i + 1]) ? args[++i] : null);
        return string.IsNullOrWhiteSpace(value) ? throw new WorkerInputException($"{option} needs a value (see --help).") : value;
    }

    private static bool IsOption(string arg) => arg.Length > 1 && arg[0] == '-' && !char.IsDigit(arg[1]);

    private static bool NoValue(string option, string? inlineValue) =>
        inlineValue is null ? true : throw new WorkerInputException($"{option} takes no value (got '{inlineValue}').");

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new WorkerInputException($"{option} must be a positive whole number (got '{value}').");

    private static string BrokerUri(string option, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps" && uri.Host.Length > 0
            ? value
            : throw new WorkerInputException($"{option} must be an amqp:// or amqps:// URI such as amqp://user:pass@host:5672/vhost (got '{Redact(value)}').");

    /// <summary>Hides a password in a URI echoed back in an error.</summary>
    private static string Redact(string value)
    {
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        var at = value.LastIndexOf('@');
        if (scheme < 0 || at < scheme)
        {
            return value;
        }

        var colon = value.IndexOf(':', scheme + 3);
        return colon < 0 || colon > at ? value : string.Concat(value.AsSpan(0, colon + 1), "***", value.AsSpan(at));
    }
}
