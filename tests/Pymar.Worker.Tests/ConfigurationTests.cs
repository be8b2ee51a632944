using Pymar.Worker.Tests.Support;

namespace Pymar.Worker.Tests;

/// <summary>
/// appsettings.json in the current directory, then environment variables, then flags, each overriding the one
/// before, as the worker's start-up line shows. The brokers named here refuse connections (port 1), so the worker
/// waits for them until it is stopped, which is a normal stop.
/// </summary>
public sealed class ConfigurationTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    public static TheoryData<bool, bool, string> Layers => new()
    {
        { false, false, "through RabbitMQ at amqp://fromfile@127.0.0.1:1/file with concurrency 3" },
        { true, false, "through RabbitMQ at amqp://fromenv@127.0.0.1:1/env with concurrency 5" },
        { true, true, "through RabbitMQ at amqp://fromflag@127.0.0.1:1/flag with concurrency 7" },
        { false, true, "through RabbitMQ at amqp://fromflag@127.0.0.1:1/flag with concurrency 7" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task EnvironmentOverridesAppSettingsAndFlagsOverrideBoth(bool withEnvironment, bool withFlags, string expected)
    {
        var directory = Directory.CreateTempSubdirectory("pymar-worker-test-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"), """
                {
                  "Pymar": {
                    "Broker": { "Uri": "amqp://fromfile:filepw@127.0.0.1:1/file" },
                    "Worker": { "Concurrency": 3 }
                  }
                }
                """);
            var environment = withEnvironment
                ? new Dictionary<string, string> { ["Pymar__Broker__Uri"] = "amqp://fromenv:envpw@127.0.0.1:1/env", ["Pymar__Worker__Concurrency"] = "5" }
                : [];
            string[] args = ["--assembly", Programs.Examples, "--producer", "IntegrationProducer"];
            if (withFlags)
            {
                args = [.. args, "--broker", "amqp://fromflag:flagpw@127.0.0.1:1/flag", "--workers", "7"];
            }

            await using var worker = WorkerProcess.Start(args, environment, directory.FullName);
            var line = await worker.WaitForLineAsync("pymar-worker ", s_deadline);

            Assert.Contains("serving producers IntegrationProducer (data sources (none)) from Pymar.Examples.dll", line, StringComparison.Ordinal);
            Assert.EndsWith(expected, line, StringComparison.Ordinal);
            await worker.WaitForLineAsync("cannot consume yet", s_deadline);
            Assert.Equal(0, await worker.TerminateAsync(s_deadline));
            foreach (var password in new[] { "filepw", "envpw", "flagpw" })
            {
                Assert.DoesNotContain(worker.Lines, l => l.Contains(password, StringComparison.Ordinal));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AConcurrencyRangeFromTheEnvironmentShowsInTheStartLine()
    {
        await using var worker = WorkerProcess.Start(["--assembly", Programs.Examples, "--producer", "IntegrationProducer"],
            new Dictionary<string, string> { ["Pymar__Broker__Port"] = "1", ["Pymar__Worker__Concurrency"] = "2..6" });

        var line = await worker.WaitForLineAsync("pymar-worker ", s_deadline);

        Assert.EndsWith("with concurrency 2..6", line, StringComparison.Ordinal);
        await worker.WaitForLineAsync("cannot consume yet", s_deadline);
        Assert.Equal(0, await worker.TerminateAsync(s_deadline));
    }

    [Fact]
    public async Task AMalformedConcurrencyFromTheEnvironmentExitsWith2AndOneLineNamingTheKey()
    {
        await using var worker = WorkerProcess.Start(["--assembly", Programs.Examples, "--producer", "IntegrationProducer"],
            new Dictionary<string, string> { ["Pymar__Broker__Port"] = "1", ["Pymar__Worker__Concurrency"] = "2..x" });

        Assert.Equal(2, await worker.WaitForExitAsync(s_deadline));
        var error = Assert.Single(worker.Error);
        Assert.StartsWith("pymar-worker: error: ", error, StringComparison.Ordinal);
        Assert.Contains("'Pymar:Worker:Concurrency'", error, StringComparison.Ordinal);
        Assert.Contains("'2..x' is not a concurrency: give a number of slots such as 4, or a range min..max such as 2..8.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSettingsTheWorkerUsesTheLocalBrokerAndTheProcessorCount()
    {
        await using var worker = WorkerProcess.Start(["--assembly", Programs.Examples, "--producer", "IntegrationProducer"],
            new Dictionary<string, string> { ["Pymar__Broker__Port"] = "1" });

        var line = await worker.WaitForLineAsync("pymar-worker ", s_deadline);

        Assert.EndsWith($"through RabbitMQ at amqp://guest@127.0.0.1:1/ with concurrency {Environment.ProcessorCount}", line, StringComparison.Ordinal);
        await worker.WaitForLineAsync("cannot consume yet", s_deadline);
        Assert.Equal(0, await worker.TerminateAsync(s_deadline));
    }

    [Fact]
    public async Task PymarsLineWithABareHostUsesTheConfiguredUserAndPassword()
    {
        var directory = Directory.CreateTempSubdirectory("pymar-worker-test-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"), """
                { "Pymar": { "Broker": { "Uri": "amqp://other:otherpw@10.9.9.9/", "UserName": "fromfile", "Password": "filepw", "VirtualHost": "file" } } }
                """);

            // worker.py FILE -p PRODUCER -s DATA_SOURCE -q HOST -w N -v, as Pymar's README writes it.
            await using var worker = WorkerProcess.Start(
                [Programs.Examples, "-p", "IntegrationProducer", "-s", "IntegrationDataSource", "-q", "127.0.0.1:1", "-w", "4", "-v"],
                workingDirectory: directory.FullName);
            var line = await worker.WaitForLineAsync("pymar-worker ", s_deadline);

            Assert.Contains("serving producers IntegrationProducer (data sources IntegrationDataSource) from Pymar.Examples.dll", line, StringComparison.Ordinal);
            Assert.EndsWith("through RabbitMQ at amqp://fromfile@127.0.0.1:1/file with concurrency 4", line, StringComparison.Ordinal);
            await worker.WaitForLineAsync("cannot consume yet", s_deadline);
            Assert.Equal(0, await worker.TerminateAsync(s_deadline));
            Assert.DoesNotContain(worker.Lines, l => l.Contains("filepw", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
