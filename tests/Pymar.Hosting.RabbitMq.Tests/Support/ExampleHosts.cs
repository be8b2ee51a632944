extern alias examples;

using PymarExamples = examples::Pymar.Examples.Examples;

namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>
/// Producer hosts that register the examples as a user's program would
/// (<c>AddPymar(configuration).AddExamples().UseRabbitMq()</c>), and run them.
/// </summary>
internal static class ExampleHosts
{
    /// <summary>Starts a <see cref="ProducerHost"/> that registers the examples, with its logs captured.</summary>
    public static Task<ProducerHost> StartAsync(IDictionary<string, string?> configuration, CapturedLogs logs) =>
        ProducerHost.StartAsync(configuration, static pymar => PymarExamples.AddExamples(pymar), logs);

    /// <summary>Runs one of <see cref="PymarExamples.All"/> and returns its formatted answer.</summary>
    public static Task<string> RunExampleAsync(this ProducerHost host, string example, MapOptions options) =>
        (PymarExamples.Find(example) ?? throw new ArgumentException($"No example '{example}'.", nameof(example)))
            .Run(host.Client, host.Services, options, CancellationToken.None);
}
