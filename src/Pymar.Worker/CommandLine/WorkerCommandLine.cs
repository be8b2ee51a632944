using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Pymar.CommandLine;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.Workers;

namespace Pymar.Worker.CommandLine;

/// <summary>
/// The parsed command line of <c>pymar-worker</c>, read by System.CommandLine. Pymar's own line works as its README
/// writes it: <c>pymar-worker FILE -p Producer -s DataSource -q HOST -w N [-v] [-r]</c>, as does <c>-f FILE</c>, and
/// <c>-w MIN..MAX</c> makes the pool elastic.
/// </summary>
internal sealed class WorkerCommandLine
{
    private const string Description = """
        Serves the named producers of a compiled assembly as a worker pool until stopped (Pymar's worker.py).

        Settings are read from appsettings.json beside the program, then appsettings.json in the current directory,
        then environment variables (Pymar__Broker__Host, Pymar__Broker__Password, ...), then these flags.
        A public class implementing Pymar.Hosting.IPymarWorkerStartup in the assembly registers the services its
        producers and data sources take in their constructors.

        Exit codes: 0 stopped, 1 failed while running, 2 bad command line, assembly or type.
        """;

    private WorkerCommandLine(Symbols symbols, ParseResult result)
    {
        AssemblyPath = result.GetValue(symbols.File) ?? result.GetValue(symbols.Assembly) ?? "";
        Producers = result.GetValue(symbols.Producers) ?? [];
        DataSources = result.GetValue(symbols.DataSources) ?? [];
        Broker = result.GetValue(symbols.Broker);
        Workers = result.GetValue(symbols.Workers);
        Purge = result.GetValue(symbols.Purge);
        Verbose = result.GetValue(symbols.Verbose);
    }

    /// <summary>The assembly path as given, positionally or by <c>--assembly</c>/<c>-f</c>.</summary>
    public string AssemblyPath { get; }

    /// <summary>The producer type names as given, in order.</summary>
    public IReadOnlyList<string> Producers { get; }

    /// <summary>The data source type names as given, in order.</summary>
    public IReadOnlyList<string> DataSources { get; }

    /// <summary>The broker as given (<see cref="BrokerArgument"/>), checked.</summary>
    public string? Broker { get; }

    /// <summary>The slots as given: a number, or a range <c>MIN..MAX</c> (checked against each other, not yet against the cap).</summary>
    public WorkerConcurrency? Workers { get; }

    public bool Purge { get; }

    public bool Verbose { get; }

    /// <summary>
    /// The command: its action gets the parsed line. <c>-h</c>/<c>--help</c> prints the help instead; errors are the
    /// caller's to print (<see cref="OptionRules.FirstError"/>), so that a bad line is one line on stderr.
    /// </summary>
    public static Command CreateCommand(Func<WorkerCommandLine, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Build(new Symbols(), run);
    }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="WorkerInputException"/> with a one-line reason.</summary>
    public static WorkerCommandLine Parse(IReadOnlyList<string> args)
    {
        var symbols = new Symbols();
        var result = Build(symbols, (_, _) => Task.FromResult(0)).Parse(args);
        return OptionRules.FirstError(result) is { } error ? throw new WorkerInputException(error) : new WorkerCommandLine(symbols, result);
    }

    private static Command Build(Symbols symbols, Func<WorkerCommandLine, CancellationToken, Task<int>> run)
    {
        // A Command, not a RootCommand, so that help names the program as users type it, however it was started.
        var command = new Command("pymar-worker", Description) { new HelpOption(), symbols.File, symbols.Assembly, symbols.Producers, symbols.DataSources, symbols.Broker, symbols.Workers, symbols.Purge, symbols.Verbose };
        command.Validators.Add(result => Validate(symbols, result));
        command.SetAction((result, cancellationToken) => run(new WorkerCommandLine(symbols, result), cancellationToken));
        return command;
    }

    /// <summary>
    /// Checks that span symbols, in the order a user would fix them: an option with no value (System.CommandLine
    /// takes the next option as its value), then the assembly, given once as FILE or as --assembly/-f.
    /// </summary>
    private static void Validate(Symbols symbols, CommandResult result)
    {
        foreach (var named in symbols.Named)
        {
            if (result.GetResult(named) is { } given && given.Tokens.FirstOrDefault(t => string.IsNullOrWhiteSpace(t.Value) || t.Value.StartsWith('-')) is { } token)
            {
                result.AddError(token.Value.Length == 0
                    ? $"{given.IdentifierToken?.Value} needs a value."
                    : $"{given.IdentifierToken?.Value} needs a value (got the option '{token.Value}').");
                return;
            }
        }

        var file = result.GetValue(symbols.File);
        var option = result.GetResult(symbols.Assembly);
        if (file is ['-', _, ..])
        {
            result.AddError($"unknown option '{file}'.");
        }
        else if (file is not null && option is not null)
        {
            result.AddError($"unexpected argument '{file}': the assembly is already given by {option.IdentifierToken?.Value} '{result.GetValue(symbols.Assembly)}' (one assembly per worker).");
        }
        else if (file is null && option is null)
        {
            result.AddError("the assembly is required: give its path first (pymar-worker FILE -p NAME) or as --assembly PATH.");
        }
    }

    /// <summary>A number of slots, or a range <c>MIN..MAX</c> of them; the cap is the options validator's to check.</summary>
    private static WorkerConcurrency? ParseWorkers(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        var name = (result.Parent as OptionResult)?.IdentifierToken?.Value;
        if (!WorkerConcurrency.TryParse(text, out var workers) || workers.Min < 1)
        {
            result.AddError($"{name} must be a positive whole number, or a range MIN..MAX such as 2..8 (got '{text}').");
            return null;
        }

        if (workers.Max < workers.Min)
        {
            result.AddError($"{name} must be a range MIN..MAX with MAX at least MIN (got '{text}').");
            return null;
        }

        return workers;
    }

    /// <summary>The options and argument, made anew for each command: System.CommandLine links a symbol to its parents.</summary>
    private sealed class Symbols
    {
        /// <summary>The options whose value names something, so never starts with '-'.</summary>
        public Option[] Named => [Assembly, Producers, DataSources];

        public Argument<string?> File { get; } = new("FILE")
        {
            Description = "The compiled assembly (.dll) holding the producers and data sources (or --assembly)",
            Arity = ArgumentArity.ZeroOrOne,
            };

        public Option<string?> Assembly { get; } = new("--assembly", "-a", "-f")
        {
            Description = "The compiled assembly (.dll), when not given as FILE",
            HelpName = "PATH",
        };

        public Option<string[]> Producers { get; } = new("--producer", "-p")
        {
            Description = "A producer type to serve, by simple or full name (repeatable)",
            HelpName = "NAME",
            Required = true,
        };

        public Option<string[]> DataSources { get; } = new("--data-source", "-s")
        {
            Description = "A data source type its slices read, by simple or full name (repeatable)",
            HelpName = "NAME",
        };

        public Option<string?> Broker { get; } = new("--broker", "-q")
        {
            Description = $"The RabbitMQ broker: {BrokerArgument.Forms}; user and password come from Pymar:Broker unless the URI has them",
            HelpName = "HOST|URI",
            Validators = { OptionRules.Broker },
        };

        public Option<WorkerConcurrency?> Workers { get; } = new("--workers", "-w")
        {
            Description = "Slices computed at once, or a range the pool grows and shrinks within under load, such as 2..8 (Pymar:Worker:Concurrency; default: processor count)",
            HelpName = "N|MIN..MAX",
            CustomParser = ParseWorkers,
        };

        public Option<bool> Purge { get; } = new("--purge", "-r")
        {
            Arity = ArgumentArity.Zero,
            Description = "Drop the waiting slices of the served producers on start (Pymar:Worker:PurgeOnStart)",
        };

        public Option<bool> Verbose { get; } = new("--verbose", "-v")
        {
            Arity = ArgumentArity.Zero,
            Description = "Log at debug level",
        };
    }
}
