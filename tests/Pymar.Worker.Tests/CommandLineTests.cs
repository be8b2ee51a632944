using Pymar.Worker.Tests.Support;

namespace Pymar.Worker.Tests;

/// <summary>What pymar-worker says, and how it exits, when its command line, assembly or type names are wrong.</summary>
public sealed class CommandLineTests
{
    private const string Examples = "{examples}";
    private const string Jobs = "{jobs}";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string[], string[]> BadInputs => new()
    {
        { "missing file", ["--assembly", "no-such-jobs.dll", "--producer", "IntegrationProducer"], ["assembly not found: 'no-such-jobs.dll'"] },
        { "a directory", ["--assembly", ".", "--producer", "IntegrationProducer"], ["is a directory"] },
        { "not an assembly", ["--assembly", "{text-file}", "--producer", "IntegrationProducer"], ["is not a .NET assembly"] },
        { "missing producer type", ["--assembly", Examples, "--producer", "NoSuchProducer"], ["no type named 'NoSuchProducer' in Pymar.Examples.dll", "IntegrationProducer", "WordCountProducer"] },
        { "missing data source type", ["--assembly", Examples, "--producer", "IntegrationProducer", "--data-source", "NoSuchSource"], ["no type named 'NoSuchSource'", "IntegrationDataSource"] },
        { "a data source as producer", ["--assembly", Examples, "--producer", "IntegrationDataSource"], ["(Pymar.Examples.Integration.IntegrationDataSource) is not a producer"] },
        { "a producer as data source", ["--assembly", Examples, "--producer", "IntegrationProducer", "--data-source", "Pymar.Examples.Integration.IntegrationProducer"], ["'Pymar.Examples.Integration.IntegrationProducer' is not a data source"] },
        { "an abstract producer", ["--assembly", Jobs, "--producer", "AbstractProducer"], ["is not a producer: it is abstract"] },
        { "an ambiguous name", ["--assembly", Jobs, "--producer", "SameNameProducer"], ["'SameNameProducer' is ambiguous", "Pymar.Worker.Tests.Jobs.Alpha.SameNameProducer, Pymar.Worker.Tests.Jobs.Beta.SameNameProducer"] },
        { "two producers of one name", ["--assembly", Jobs, "--producer", "Pymar.Worker.Tests.Jobs.Alpha.SameNameProducer", "--producer", "Pymar.Worker.Tests.Jobs.Beta.SameNameProducer"], ["two producers would be served under the name 'SameNameProducer'"] },
        { "an unknown flag", ["--assembly", Examples, "--producer", "IntegrationProducer", "--bogus"], ["unknown option '--bogus'"] },
        { "a missing value", ["--producer", "IntegrationProducer", "--assembly"], ["Required argument missing for option: '--assembly'"] },
        { "a flag as a value", ["--assembly", "--producer", "IntegrationProducer"], ["--assembly needs a value (got the option '--producer')"] },
        { "two unknown flags", ["--bogus", "--producer", "IntegrationProducer", "--other"], ["Unrecognized command or argument '--other'"] },
        { "no --assembly", ["--producer", "IntegrationProducer"], ["the assembly is required: give its path first (pymar-worker FILE -p NAME) or as --assembly PATH"] },
        { "no --producer", ["--assembly", Examples], ["Option '--producer' is required"] },
        { "Pymar's line with a missing file", ["no-such-jobs.dll", "-p", "IntegrationProducer", "-q", "127.0.0.1", "-w", "4"], ["assembly not found: 'no-such-jobs.dll'"] },
        { "-f with a missing file", ["-f", "no-such-jobs.dll", "-p", "IntegrationProducer"], ["assembly not found: 'no-such-jobs.dll'"] },
        { "zero workers", ["--assembly", Examples, "--producer", "IntegrationProducer", "--workers", "0"], ["--workers must be a positive whole number, or a range MIN..MAX such as 2..8 (got '0')"] },
        { "a range beyond the cap", ["--assembly", Examples, "--producer", "IntegrationProducer", "--workers", "2..2000"], ["Pymar:Worker:Concurrency must lie between 1 and 1024", "(it is 2..2000)"] },
        { "a broker that is not amqp", ["--assembly", Examples, "--producer", "IntegrationProducer", "--broker", "http://user:s3cret@host/"], ["--broker must be a host, host:port, a comma-separated list of them (a cluster) or an amqp:// URI", "user:***@host"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInputExitsWith2AndOneLineThatSaysWhy(string @case, string[] args, string[] expected)
    {
        var textFile = Path.GetTempFileName();
        try
        {
            var resolved = args.Select(a => a.Replace(Examples, Programs.Examples, StringComparison.Ordinal)
                .Replace(Jobs, Programs.Jobs, StringComparison.Ordinal)
                .Replace("{text-file}", textFile, StringComparison.Ordinal));

            var (code, output, error) = await WorkerProcess.RunAsync(resolved, s_deadline);

            Assert.True(code == 2, $"{@case}: exit code {code}\n{string.Join('\n', output.Concat(error))}");
            var line = Assert.Single(error);
            Assert.StartsWith("pymar-worker: error: ", line, StringComparison.Ordinal);
            foreach (var text in expected)
            {
                Assert.Contains(text, line, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
            Assert.Empty(output);
        }
        finally
        {
            File.Delete(textFile);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task HelpPrintsTheUsageAndExits0(string flag)
    {
        var (code, output, error) = await WorkerProcess.RunAsync([flag], s_deadline);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains(output, l => l.Trim() == "pymar-worker [<FILE>] [options]");
        foreach (var option in new[] { "-f, --assembly", "-p, --producer", "-s, --data-source", "-q, --broker", "-w, --workers", "-r, --purge", "-v, --verbose" })
        {
            Assert.Contains(output, l => l.TrimStart().Contains(option, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnInProcessTransportIsRefusedBecauseTheWorkerWouldServeNobody()
    {
        var directory = Directory.CreateTempSubdirectory("pymar-worker-test-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"), """{ "Pymar": { "Transport": "InProcess" } }""");
            await using var worker = WorkerProcess.Start(["--assembly", Programs.Examples, "--producer", "IntegrationProducer"], workingDirectory: directory.FullName);

            Assert.Equal(2, await worker.WaitForExitAsync(s_deadline));
            Assert.Contains("Pymar:Transport is 'InProcess'", Assert.Single(worker.Error), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
