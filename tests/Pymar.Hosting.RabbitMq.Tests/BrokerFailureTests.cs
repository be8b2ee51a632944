extern alias examples;

using System.Diagnostics;
using Pymar.Hosting.RabbitMq.Tests.Support;
using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests;

/// <summary>An unreachable broker and a wrong password, never showing the password.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerFailureTests(BrokerFixture broker) : IAsyncLifetime
{
    private const string UnreachablePassword = "closed-port-secret-456";
    private const string UnreachableUri = "amqp://guest:" + UnreachablePassword + "@127.0.0.1:1/";
    private const string WrongPassword = "wrong-secret-123";
    private const string WrongPasswordUri = "amqp://guest:" + WrongPassword + "@127.0.0.1:5672/";
    private static readonly TimeSpan s_failFast = TimeSpan.FromSeconds(15);
    private readonly BrokerScope _scope = broker.NewScope();

    [Fact]
    public async Task AnUnreachableBrokerWithFallbackOnAnswersLocallyAndWarnsNamingTheBrokerWithoutThePassword()
    {
        var logs = new CapturedLogs();
        var watch = Stopwatch.StartNew();
        await using (var host = await _scope.StartProducerHostAsync(logs, UnreachableUri, fallBackToLocal: true))
        {
            var answer = await host.RunExampleAsync("word-count", new MapOptions { Timeout = BrokerScope.JobDeadline });
            Assert.Equal(PymarExamples.WordCountAnswer, answer);
        }

        Assert.True(watch.Elapsed < s_failFast, $"Falling back took {watch.Elapsed}.");
        var warnings = logs.Lines.Where(l => l.StartsWith("warn:", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Any(l => l.Contains("127.0.0.1:1", StringComparison.Ordinal) && l.Contains("locally", StringComparison.Ordinal)), $"No warning names the broker and the local fallback:\n{logs.All}");
        Assert.DoesNotContain(UnreachablePassword, logs.All, StringComparison.Ordinal);
        await _scope.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task AnUnreachableBrokerWithFallbackOffFailsWithinSecondsWithTransportUnavailableWithoutThePassword()
    {
        var logs = new CapturedLogs();
        var watch = Stopwatch.StartNew();
        await using (var host = await _scope.StartProducerHostAsync(logs, UnreachableUri, fallBackToLocal: false))
        {
            var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => host.RunExampleAsync("word-count", new MapOptions { Timeout = BrokerScope.JobDeadline }));
            Assert.True(watch.Elapsed < s_failFast, $"Failing took {watch.Elapsed}.");
            Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(UnreachablePassword, error.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(UnreachablePassword, logs.All, StringComparison.Ordinal);
        await _scope.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task AnUnreachableBrokerWithFallbackOffAnswersLocallyWhenTheJobsOnTimeoutSaysComputeLocally()
    {
        var logs = new CapturedLogs();
        var watch = Stopwatch.StartNew();
        await using (var host = await _scope.StartProducerHostAsync(logs, UnreachableUri, fallBackToLocal: false))
        {
            // A broker that cannot be reached cannot answer within the job's timeout: the job's OnTimeout policy applies.
            var answer = await host.RunExampleAsync("word-count", new MapOptions { Timeout = BrokerScope.JobDeadline, OnTimeout = TimeoutBehavior.ComputeLocally });
            Assert.Equal(PymarExamples.WordCountAnswer, answer);
        }

        Assert.True(watch.Elapsed < s_failFast, $"Answering locally took {watch.Elapsed}.");
        Assert.DoesNotContain(UnreachablePassword, logs.All, StringComparison.Ordinal);
        await _scope.AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWrongPasswordFailsTheJobWithAConfigurationErrorThatDoesNotContainThePassword(bool fallBackToLocal)
    {
        var logs = new CapturedLogs();
        var watch = Stopwatch.StartNew();
        await using (var host = await _scope.StartProducerHostAsync(logs, WrongPasswordUri, fallBackToLocal))
        {
            var error = await Assert.ThrowsAsync<PymarConfigurationException>(() => host.RunExampleAsync("word-count", new MapOptions { Timeout = BrokerScope.JobDeadline }));
            Assert.True(watch.Elapsed < s_failFast, $"Failing took {watch.Elapsed}.");
            Assert.Contains("127.0.0.1:5672", error.Message, StringComparison.Ordinal);
            Assert.Contains("guest", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(WrongPassword, logs.All, StringComparison.Ordinal);
        await _scope.AssertNothingLeftAsync();
    }

    [Fact]
    public async Task AWorkerProcessWithAWrongPasswordExitsWithAnErrorThatDoesNotContainThePassword()
    {
        var worker = _scope.StartWorker("worker with a wrong password", concurrency: 1, brokerUri: WrongPasswordUri);

        var code = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 1, $"The worker should stop with code 1.\n{worker.Describe()}");
        var error = worker.Lines.SingleOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.True(error is not null && error.Contains("127.0.0.1:5672", StringComparison.Ordinal), $"The worker should name the broker in its error.\n{worker.Describe()}");
        Assert.DoesNotContain(worker.Lines, l => l.Contains(WrongPassword, StringComparison.Ordinal));
        await _scope.AssertNothingLeftAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _scope.DisposeAsync();
}
