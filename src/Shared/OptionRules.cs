using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using Pymar.Hosting.RabbitMq;

namespace Pymar.CommandLine;

/// <summary>
/// What the programs' command lines (pymar-worker, the examples, the test worker) parse and report alike, on top of
/// System.CommandLine. Compiled into each program as a linked source file.
/// </summary>
internal static class OptionRules
{
    /// <summary>A whole number above zero, with an error naming the option as typed.</summary>
    public static int? PositiveInt(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = Single(result);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            return n;
        }

        result.AddError($"{Name(result)} must be a positive whole number (got '{text}').");
        return null;
    }

    /// <summary>A positive number of seconds (fractions allowed).</summary>
    public static TimeSpan? PositiveSeconds(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = Single(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        result.AddError($"{Name(result)} must be a positive number of seconds (got '{text}').");
        return null;
    }

    /// <summary>A broker in one of <see cref="BrokerArgument.Forms"/>; the error never shows a password.</summary>
    public static void Broker(OptionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Tokens is [var token] && BrokerArgument.ToSettings(token.Value, out var error) is null)
        {
            result.AddError($"{result.IdentifierToken?.Value} {error}");
        }
    }

    /// <summary>
    /// The first parse error as one line, or null; help asked for is no error. An option's own error comes before
    /// the command's, which may only be its consequence.
    /// </summary>
    public static string? FirstError(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Action is HelpAction || result.Errors.Count == 0
            ? null
            : $"{result.Errors.OrderBy(e => e.SymbolResult is CommandResult ? 1 : 0).First().Message.TrimEnd('.')} (see --help).";
    }

    /// <summary>
    /// Invocation writing to the given writers. The generic host handles SIGTERM and Ctrl+C itself (a worker drains
    /// its slices), so System.CommandLine does not; a crash stays a crash rather than a printed stack.
    /// </summary>
    public static InvocationConfiguration Invocation(TextWriter output, TextWriter error) => new()
    {
        Output = output,
        Error = error,
        ProcessTerminationTimeout = null,
        EnableDefaultExceptionHandler = false,
    };

    private static string Single(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";

    private static string? Name(ArgumentResult result) => (result.Parent as OptionResult)?.IdentifierToken?.Value;
}
