using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Pymar.CommandLine;
using Pymar.Hosting.RabbitMq;

namespace Pymar.Examples;

/// <summary>
/// The examples program's parsed command line, read by System.CommandLine: one subcommand per example, and
/// <c>worker</c>, which serves every example's producer until stopped.
/// </summary>
internal sealed class ExampleCommandLine
{
    /// <summary>The subcommand that runs a worker pool instead of an example.</summary>
    public const string WorkerCommand = "worker";

    private ExampleCommandLine(Symbols symbols, ParseResult result, string example)
    {
        Example = example;
        Slices = result.GetValue(symbols.Slices);
        Workers = result.GetValue(symbols.Workers);
        Local = result.GetValue(symbols.Local);
        Timeout = result.GetValue(symbols.Timeout);
        ProducerOnly = result.GetValue(symbols.ProducerOnly);
        Broker = result.GetValue(symbols.Broker);
        Postgres = result.GetValue(symbols.Postgres);
        TextFile = result.GetValue(symbols.TextFile) is { } file ? Path.GetFullPath(file) : null;
        Verbose = result.GetValue(symbols.Verbose);
        Dashboard = result.GetResult(symbols.Dashboard) is null ? null : result.GetValue(symbols.Dashboard) ?? DefaultDashboardUrl;
        Timeline = result.GetValue(symbols.Timeline) is { } timeline ? Path.GetFullPath(timeline) : null;
    }

    /// <summary>Where <c>--dashboard</c> serves the page when it names no URL.</summary>
    public const string DefaultDashboardUrl = "http://127.0.0.1:5140";

    /// <summary>The example's name, or <see cref="WorkerCommand"/>.</summary>
    public string Example { get; }

    public bool IsWorker => Example == WorkerCommand;

    public int? Slices { get; }

    public int? Workers { get; }

    public bool Local { get; }

    public TimeSpan? Timeout { get; }

    public bool ProducerOnly { get; }

    /// <summary>The broker as given (<see cref="BrokerArgument"/>), checked.</summary>
    public string? Broker { get; }

    public string? Postgres { get; }

    public string? TextFile { get; }

    public bool Verbose { get; }

    /// <summary>The URL the dashboard listens on (<c>--dashboard [URL]</c>), or null when there is none.</summary>
    public string? Dashboard { get; }

    /// <summary>Where to write the job's timeline (<c>--timeline PATH</c>), or null.</summary>
    public string? Timeline { get; }

    /// <summary>
    /// The command: the chosen subcommand's action gets the parsed line. <c>--help</c> prints the help instead;
    /// errors are the caller's to print (<see cref="OptionRules.FirstError"/>).
    /// </summary>
    public static Command CreateCommand(Func<ExampleCommandLine, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var symbols = new Symbols();
        var root = new Command("Pymar.Examples", "Runs one of Pymar's examples on a generic host and prints its answer, or serves every example's producer as a worker.")
        {
            new HelpOption(), symbols.Broker, symbols.Workers, symbols.Postgres, symbols.Verbose, symbols.Dashboard,
        };
        foreach (var example in Examples.All)
        {
            var command = new Command(example.Name, example.Description) { symbols.Slices, symbols.Local, symbols.Timeout, symbols.ProducerOnly, symbols.Timeline };
            if (example.Name == "word-count-sql")
            {
                command.Add(symbols.TextFile);
            }

            command.SetAction((result, cancellationToken) => run(new ExampleCommandLine(symbols, result, example.Name), cancellationToken));
            root.Add(command);
        }

        var worker = new Command(WorkerCommand, "Serves every example's producer until stopped; runs as a systemd or Windows service too (READY=1 once consuming)");
        worker.SetAction((result, cancellationToken) => run(new ExampleCommandLine(symbols, result, WorkerCommand), cancellationToken));
        root.Add(worker);

        // With an action of its own, the root reports a stray name as unknown rather than as a missing command.
        root.SetAction(result =>
        {
            result.InvocationConfiguration.Error.WriteLine("error: name an example to run, or worker (see --help).");
            return 2;
        });
        return root;
    }

    /// <summary>The options, made anew for each command: System.CommandLine links a symbol to its parents.</summary>
    private sealed class Symbols
    {
        public Option<string?> Broker { get; } = new("--broker", "-q")
        {
            Description = $"Use a RabbitMQ broker: {BrokerArgument.Forms}; user and password come from Pymar:Broker unless the URI has them",
            HelpName = "HOST|URI",
            Recursive = true,
            Validators = { OptionRules.Broker },
        };

        public Option<int?> Workers { get; } = new("--workers", "-w")
        {
            Description = "Worker slots in this process: slices computed at once (default: Pymar:Worker:Concurrency)",
            HelpName = "N",
            Recursive = true,
            CustomParser = OptionRules.PositiveInt,
        };

        public Option<string?> Postgres { get; } = new("--postgres")
        {
            Description = "SQL examples: use PostgreSQL with this connection string (default: a SQLite file)",
            HelpName = "CS",
            Recursive = true,
        };

        public Option<bool> Verbose { get; } = new("--verbose", "-v")
        {
            Description = "Log at debug level",
            Arity = ArgumentArity.Zero,
            Recursive = true,
        };

        public Option<string?> Dashboard { get; } = new("--dashboard")
        {
            Description = $"Serve the live dashboard in this process at URL (default {DefaultDashboardUrl}); an example keeps serving it after its answer until Ctrl+C",
            HelpName = "URL",
            Arity = ArgumentArity.ZeroOrOne,
            Recursive = true,
        };

        public Option<string?> Timeline { get; } = new("--timeline")
        {
            Description = "Write the job's timeline (its task stream and a per-stage summary) to PATH as one self-contained HTML file",
            HelpName = "PATH",
        };

        public Option<int?> Slices { get; } = new("--slices")
        {
            Description = "Cut the job into N slices (default: the producer's)",
            HelpName = "N",
            CustomParser = OptionRules.PositiveInt,
        };

        public Option<bool> Local { get; } = new("--local")
        {
            Description = "Compute in this process without workers (Pymar's local mode)",
            Arity = ArgumentArity.Zero,
        };

        public Option<TimeSpan?> Timeout { get; } = new("--timeout")
        {
            Description = "Fail when the job takes longer than S seconds",
            HelpName = "S",
            CustomParser = OptionRules.PositiveSeconds,
        };

        public Option<bool> ProducerOnly { get; } = new("--producer-only")
        {
            Description = "Do not start workers in this process",
            Arity = ArgumentArity.Zero,
        };

        public Option<string?> TextFile { get; } = new("--file")
        {
            Description = "Count the words of this text file, one paragraph per row",
            HelpName = "PATH",
        };
    }
}
