using Microsoft.Extensions.Configuration;
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
        Assert.Equal(3, line.Workers);
        Assert.True(line.Purge);
        Assert.True(line.Verbose);
        Assert.False(line.Help);
    }

    [Fact]
    public void HelpNeedsNothingElse() => Assert.True(WorkerCommandLine.Parse(["--help"]).Help);

    [Theory]
    [InlineData("--purge=yes", "--purge takes no value")]
    [InlineData("--data-source=", "--data-source needs a value")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--workers=-1", "--workers must be a positive whole number")]
    [InlineData("--workers=x", "--workers must be a positive whole number (got 'x')")]
    public void ABadArgumentSaysWhich(string arg, string message)
    {
        var ex = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["--assembly", "jobs.dll", "--producer", "A", arg]));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAssemblyMayBeGivenOnlyOnce()
    {
        var ex = Assert.Throws<WorkerInputException>(() => WorkerCommandLine.Parse(["-a", "a.dll", "-a", "b.dll", "-p", "A"]));

        Assert.Contains("given twice", ex.Message, StringComparison.Ordinal);
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
