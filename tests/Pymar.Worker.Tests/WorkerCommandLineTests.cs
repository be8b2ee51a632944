using Microsoft.Extensions.Configuration;
using Pymar.Hosting.Workers;
using Pymar.Worker.CommandLine;
using Pymar.Worker.Hosting;

namespace Pymar.Worker.Tests;

/// <summary>The command line's parsing and the settings its flags stand for, in process.</summary>
public sealed class WorkerCommandLineTests
{
    [Fact]
    public void LongShortAndInlineFormsParseToTheSameSettings()
    {
        var line = WorkerCommandLine.Parse(["-a", "jobs.dll", "--producer=A", "-p", "B", "-s", "S", "--data-source=T", "-q", "amqp://u:p@h:5672/v", "-w", "3", "-r", "-v"]);

        Assert.Equal("jobs.dll", line.AssemblyPath);
        Assert.Equal(["A", "B"], line.Producers);
        Assert.Equal(["S", "T"], line.DataSources);
        Assert.Equal("amqp://u:p@h:5672/v", line.Broker);
        Assert.Equal(new WorkerConcurrency(3), line.Workers);
        Assert.True(line.Purge);
        Assert.True(line.Verbose);
    }

    [Theory]
    [InlineData("-f")]
    [InlineData("--assembly")]
    [InlineData("-a")]
    [InlineData(null)]
    public void PymarsLineParsesWithTheAssemblyFirstOrAsAnOption(string? assemblyFlag)
    {
        // worker.py ./this_example.py -s IntegrationDataSource -p IntegrationProducer -q 127.0.0.1 -w 4, and the keyed README's -f.
        string[] assembly = assemblyFlag is null ? ["./jobs.dll"] : [assemblyFlag, "./jobs.dll"];
        var line = WorkerCommandLine.Parse([.. assembly, "-s", "IntegrationDataSource", "-p", "IntegrationProducer", "-q", "127.0.0.1", "-w", "4", "-v", "-r"]);

        Assert.Equal("./jobs.dll", line.AssemblyPath);
        Assert.Equal(["IntegrationProducer"], line.Producers);
        Assert.Equal(["IntegrationDataSource"], line.DataSources);
        Assert.Equal("127.0.0.1", line.Broker);
        Assert.Equal(new WorkerConcurrency(4), line.Workers);
        Assert.True(line.Purge);
        Assert.True(line.Verbose);
    }

    [Fact]
    public void WorkersTakesARangeThatBecomesTheConcurrencySetting()
    {
        var line = WorkerCommandLine.Parse(["jobs.dll", "-p", "A", "-w", "2..8"]);

        Assert.Equal(new WorkerConcurrency(2, 8), line.Workers);
        Assert.Equal("2..8", WorkerConfiguration.Flags(line)["Pymar:Worker:Concurrency"]);
    }

    [Fact]
    public void TheAssemblyMayFollowTheOptions() =>
        Assert.Equal("jobs.dll", WorkerCommandLine.Parse(["-p", "A", "-w", "2", "jobs.dll"]).AssemblyPath);

    [Theory]
    [InlineData("--purge=yes", "unexpected argument 'yes'")]
    [InlineData("--data-source=", "Required argument missing for option: '--data-source'")]
    [InlineData("stray", "unexpected argument 'stray': the assembly is already given by --assembly 'jobs.dll'")]
    [InlineData("--producer=-x", "--producer needs a value (got the option '-x')")]
    [InlineData("--workers=-1", "--workers must be a positive whole number, or a range MIN..MAX such as 2..8 (got '-1')")]
    [InlineData("--workers=x", "--workers must be a positive whole number, or a range MIN..MAX such as 2..8 (got 'x')")]
    [InlineData("-w=0..4", "-w must be a positive whole number, or a range MIN..MAX such as 2..8 (got '0..4')")]
    [InlineData("-w=2..", "-w must be a positive whole number, or a range MIN..MAX such as 2..8 (got '2..')")]
    [InlineData("-w=8..2", "-w must be a range MIN..MAX with MAX at least MIN (got '8..2')")]
    [InlineData("-q=", "Required argument missing for option: '-q'")]
    [InlineData("--broker=amqp://", "--broker must be a host, host:port, a comma-separated list of them (a cluster) or an amqp:// URI")]
    [InlineData("-q=host:0", "'host:0' is not a host or host:port")]
    [InlineData("-q=a,,b", "'' is not a host or host:port")]
    [InlineData("-q=user@host", "'user@host' is not a host or host:port")]
    public void ABadArgumentSaysWhich(string arg, string message)
    {
        var ex = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["--assembly", "jobs.dll", "--producer", "A", arg]));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAssemblyMayBeGivenOnlyOnce()
    {
        var twice = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["-a", "a.dll", "-a", "b.dll", "-p", "A"]));
        var positionalAndOption = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["a.dll", "-f", "b.dll", "-p", "A"]));

        Assert.Contains("Option '-a' expects a single argument but 2 were provided", twice.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected argument 'a.dll': the assembly is already given by -f 'b.dll'", positionalAndOption.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Dictionary<string, string?>> BrokerForms => new()
    {
        { "rabbit", new() { ["Pymar:Broker:Uri"] = "", ["Pymar:Broker:Host"] = "rabbit", ["Pymar:Broker:Port"] = null } },
        { "127.0.0.1:5673", new() { ["Pymar:Broker:Uri"] = "", ["Pymar:Broker:Host"] = "127.0.0.1", ["Pymar:Broker:Port"] = "5673" } },
        { "[::1]:5673", new() { ["Pymar:Broker:Uri"] = "", ["Pymar:Broker:Host"] = "::1", ["Pymar:Broker:Port"] = "5673" } },
        {
            "rabbit1:5673, rabbit2,rabbit3:5674",
            new()
            {
                ["Pymar:Broker:Uri"] = "", ["Pymar:Broker:Host"] = "rabbit1", ["Pymar:Broker:Port"] = "5673",
                ["Pymar:Broker:Hosts:0"] = "rabbit1:5673", ["Pymar:Broker:Hosts:1"] = "rabbit2", ["Pymar:Broker:Hosts:2"] = "rabbit3:5674",
            }
        },
        { "amqp://u:p@h:5672/v", new() { ["Pymar:Broker:Uri"] = "amqp://u:p@h:5672/v" } },
        { "amqps://h/", new() { ["Pymar:Broker:Uri"] = "amqps://h/" } },
        {
            "amqp://user:pass@10.77.0.1:5672,10.77.0.2:5672,10.77.0.3:5672/",
            new() { ["Pymar:Broker:Uri"] = "amqp://user:pass@10.77.0.1:5672,10.77.0.2:5672,10.77.0.3:5672/" }
        },
        { "amqps://u:p%40ss@rabbit1,rabbit2:5674/v", new() { ["Pymar:Broker:Uri"] = "amqps://u:p%40ss@rabbit1,rabbit2:5674/v" } },
    };

    [Theory]
    [MemberData(nameof(BrokerForms))]
    public void EachBrokerFormStandsForItsSettings(string broker, Dictionary<string, string?> expected)
    {
        var flags = WorkerConfiguration.Flags(WorkerCommandLine.Parse(["j.dll", "-p", "A", "-q", broker]));

        Assert.Equal("RabbitMq", flags["Pymar:Transport"]);
        flags.Remove("Pymar:Transport");
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), flags.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("amqp://u:pa@ss-word9@h:0/", "'h:0' has no port between 1 and 65535")]
    [InlineData("amqp://u:pa@ss-word9@h1,,h2/", "'' does not start with a host name or address")]
    [InlineData("http://u:pa@ss-word9@h/", "must be a host, host:port")]
    public void ABadBrokerUriSaysWhatIsWrongWithoutItsPassword(string broker, string message)
    {
        var ex = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["j.dll", "-p", "A", "-q", broker]));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ss-word9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("u:***@", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABareHostKeepsTheUserAndPasswordOfTheConfigurationAndOverridesItsUri()
    {
        var empty = Directory.CreateTempSubdirectory("pymar-worker-empty-");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Pymar:Broker:Uri"] = "amqp://old@old-host/",
                ["Pymar:Broker:UserName"] = "alice",
                ["Pymar:Broker:Password"] = "secret",
                ["Pymar:Broker:Port"] = "5999",
            });
            WorkerConfiguration.AddLayers(configuration, WorkerCommandLine.Parse(["j.dll", "-p", "A", "-q", "10.0.0.5"]), empty.FullName, empty.FullName);
            var root = configuration.Build();

            Assert.Equal("", root["Pymar:Broker:Uri"]);
            Assert.Equal("10.0.0.5", root["Pymar:Broker:Host"]);
            Assert.Null(root["Pymar:Broker:Port"]);
            Assert.Equal("alice", root["Pymar:Broker:UserName"]);
            Assert.Equal("secret", root["Pymar:Broker:Password"]);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void FlagsStandForTheirSettings()
    {
        var flags = WorkerConfiguration.Flags(WorkerCommandLine.Parse(["-a", "j.dll", "-p", "A", "--broker", "amqps://u:p@h/v", "--workers", "6", "--purge", "--verbose"]));

        Assert.Equal("RabbitMq", flags["Pymar:Transport"]);
        Assert.Equal("amqps://u:p@h/v", flags["Pymar:Broker:Uri"]);
        Assert.Equal("6", flags["Pymar:Worker:Concurrency"]);
        Assert.Equal("true", flags["Pymar:Worker:PurgeOnStart"]);
        Assert.Equal("Debug", flags["Serilog:MinimumLevel:Default"]);
    }

    [Fact]
    public void WithoutFlagsNothingIsOverridden() =>
        Assert.Empty(WorkerConfiguration.Flags(WorkerCommandLine.Parse(["-a", "j.dll", "-p", "A"])));

    [Fact]
    public void LayersOverrideInOrderDefaultsProgramDirectoryCurrentDirectoryEnvironmentFlags()
    {
        var program = Directory.CreateTempSubdirectory("pymar-worker-program-");
        var current = Directory.CreateTempSubdirectory("pymar-worker-current-");
        try
        {
            File.WriteAllText(Path.Combine(program.FullName, "appsettings.json"), """{ "Pymar": { "Transport": "FromProgram", "Broker": { "Host": "program", "VirtualHost": "program" } } }""");
            File.WriteAllText(Path.Combine(current.FullName, "appsettings.json"), """{ "Pymar": { "Broker": { "Host": "current" } } }""");
            var configuration = new ConfigurationBuilder();
            WorkerConfiguration.AddLayers(configuration, WorkerCommandLine.Parse(["-a", "j.dll", "-p", "A", "-w", "9"]), program.FullName, current.FullName);
            var root = configuration.Build();

            Assert.Equal("FromProgram", root["Pymar:Transport"]);
            Assert.Equal("program", root["Pymar:Broker:VirtualHost"]);
            Assert.Equal("current", root["Pymar:Broker:Host"]);
            Assert.Equal("9", root["Pymar:Worker:Concurrency"]);
        }
        finally
        {
            program.Delete(recursive: true);
            current.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheDefaultTransportIsRabbitMq()
    {
        var configuration = new ConfigurationBuilder();
        var empty = Directory.CreateTempSubdirectory("pymar-worker-empty-");
        try
        {
            WorkerConfiguration.AddLayers(configuration, WorkerCommandLine.Parse(["-a", "j.dll", "-p", "A"]), empty.FullName, empty.FullName);

            Assert.Equal("RabbitMq", configuration.Build()["Pymar:Transport"]);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
