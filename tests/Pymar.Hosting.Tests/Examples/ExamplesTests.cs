using Pymar.Examples;

namespace Pymar.Hosting.Tests.Examples;

/// <summary>Every example end to end through the program's command line, with the answers Python gives.</summary>
public sealed class ExamplesTests
{
    public static TheoryData<string, string> Answers => new()
    {
        { "integrate", "22023.7365" },
        { "integrate-fast", "22023.7365" },
        { "integrate-keyed", "22023.7365" },
        { "squared-sum", "333333283333335000000" },
        { "squared-sum-inmemory", "333333283333335000000" },
        { "word-count", "one 6, two 5, three 4, four 3, five 2, six 1" },
    };

    public static TheoryData<string, string, int> AnswersBySliceCount
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (var row in Answers)
            {
                foreach (var slices in new[] { 1, 3, 7, 64 })
                {
                    data.Add((string)row[0], (string)row[1], slices);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task AnExampleAnswersThroughTheInProcessWorkerPool(string example, string answer)
    {
        var (code, output, error) = await RunAsync(example, "--workers", "2");

        Assert.True(code == 0, error);
        Assert.Contains($"{example}: {answer}", output, StringComparison.Ordinal);
        Assert.Contains("in-process, 2 worker slot(s)", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task AnExampleAnswersInLocalMode(string example, string answer)
    {
        var (code, output, error) = await RunAsync(example, "--local", "--producer-only");

        Assert.True(code == 0, error);
        Assert.Contains($"{example}: {answer}", output, StringComparison.Ordinal);
        Assert.Contains("local mode", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AnswersBySliceCount))]
    public async Task AnySliceCountGivesTheSameAnswer(string example, string answer, int slices)
    {
        var (code, output, error) = await RunAsync(example, "--slices", slices.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(code == 0, error);
        Assert.Contains($"{example}: {answer}", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--slices", "0")]
    [InlineData("--bogus")]
    [InlineData("no-such-example")]
    public async Task ABadCommandLineExitsWith2AndAReason(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobWithNoWorkerTimesOutWithAClearError()
    {
        var (code, _, error) = await RunAsync("word-count", "--producer-only", "--timeout", "0.3");

        Assert.Equal(1, code);
        Assert.Contains("timed out", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ExampleProgram.RunAsync(args, output, error, configureServices: null, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
