using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// Reads what the programs print: the framework's slice log lines on workers (events 1010 "… started" and 1011
/// "… done in … ms"), its "published" line on producers (event 2000), and the test worker's <c>answer: …</c>.
/// </summary>
public static partial class SliceLines
{
    /// <summary>The test worker's slow-sum producer.</summary>
    public const string SlowSum = "SlowSumProducer";

    /// <summary>Lines of slices of <paramref name="producer"/> a worker finished.</summary>
    public static IReadOnlyList<string> Done(ChildProcess worker, string producer)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return worker.Lines.Where(l => l.Contains($"({producer}) done in ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>Whether <paramref name="line"/> says a slice of <paramref name="producer"/> started.</summary>
    public static bool IsStarted(string line, string producer)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains($"({producer}) started", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="line"/> is a producer's "published" line.</summary>
    public static bool IsPublished(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains("published through", StringComparison.Ordinal);
    }

    /// <summary>The slice index of a "Slice N …" line.</summary>
    public static int SliceIndex(string line) => int.Parse(SliceLine().Match(line) is { Success: true } m ? m.Groups["index"].Value : throw new FormatException($"Not a slice line: {line}"), CultureInfo.InvariantCulture);

    /// <summary>The job id of a slice line ("of job X") or a producer's "Job X of producer" line.</summary>
    public static string JobId(string line) => JobLine().Match(line) is { Success: true } m ? m.Groups["job"].Value : throw new FormatException($"No job id in: {line}");

    /// <summary>The answer of slow-sum over 1 .. <paramref name="count"/>, as the test worker prints it.</summary>
    public static string SlowSumAnswer(long count) => (count * (count + 1) / 2).ToString(CultureInfo.InvariantCulture);

    /// <summary>Waits up to <paramref name="deadline"/> for the producer process to exit with 0 and checks it printed <c>answer: expected</c>.</summary>
    public static async Task AssertAnswersAsync(ChildProcess producer, string expected, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var code = await producer.WaitForExitAsync(deadline).ConfigureAwait(false);
        Assert.True(code == 0, $"{producer.Name} failed.\n{producer.Describe()}");
        var answers = producer.Lines.Where(l => l.StartsWith("answer: ", StringComparison.Ordinal)).ToList();
        Assert.True(answers.Count == 1 && answers[0] == $"answer: {expected}", $"{producer.Name} should answer {expected}.\n{producer.Describe()}");
    }

    [GeneratedRegex(@"Slice (?<index>\d+) ")]
    private static partial Regex SliceLine();

    [GeneratedRegex(@"(?:of job|Job) (?<job>[0-9a-f]{32})")]
    private static partial Regex JobLine();
}
