namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>Reads what the programs print: the framework's slice lines on workers and the test worker's <c>answer: …</c>.</summary>
internal static class SliceLines
{
    public const string SlowSum = "SlowSumProducer";

    /// <summary>How many slices of <paramref name="producer"/> a worker finished.</summary>
    public static int Done(ChildProcess worker, string producer) =>
        worker.Lines.Count(l => l.Contains($"({producer}) done in ", StringComparison.Ordinal));

    /// <summary>The answer of slow-sum over 1 .. <paramref name="count"/>.</summary>
    public static long SlowSumAnswer(long count) => count * (count + 1) / 2;

    /// <summary>Waits for the producer to exit with 0 and checks it printed <c>answer: expected</c>.</summary>
    public static async Task AssertAnswersAsync(ChildProcess producer, long expected)
    {
        var code = await producer.WaitForExitAsync(ClusterScope.JobDeadline);
        Assert.True(code == 0, $"{producer.Name} failed.\n{producer.Describe()}");
        var answers = producer.Lines.Where(l => l.StartsWith("answer: ", StringComparison.Ordinal)).ToList();
        Assert.True(answers.Count == 1 && answers[0] == $"answer: {expected}", $"{producer.Name} should answer {expected}.\n{producer.Describe()}");
    }
}
