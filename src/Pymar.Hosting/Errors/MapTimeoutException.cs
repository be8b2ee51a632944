using System.Globalization;

namespace Pymar.Hosting;

/// <summary>A job did not receive all its partial values within its timeout.</summary>
public sealed class MapTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public MapTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MapTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public MapTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a job that timed out.</summary>
    /// <param name="producerName">The registered name of the producer.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="timeout">The timeout that ran out.</param>
    /// <param name="completedSlices">How many slices had answered.</param>
    /// <param name="totalSlices">How many slices the job had.</param>
    /// <param name="publishedSlices">How many slices the transport had confirmed.</param>
    /// <param name="transportConnected">Whether the transport was connected when the timeout ran out.</param>
    public MapTimeoutException(string producerName, string jobId, TimeSpan timeout, int completedSlices, int totalSlices, int publishedSlices, bool transportConnected)
        : base(Describe(producerName, jobId, timeout, completedSlices, totalSlices, publishedSlices, transportConnected))
    {
        ProducerName = producerName;
        JobId = jobId;
        Timeout = timeout;
        CompletedSlices = completedSlices;
        TotalSlices = totalSlices;
        PublishedSlices = publishedSlices;
    }

    /// <summary>The registered name of the producer.</summary>
    public string? ProducerName { get; }

    /// <summary>The job's id.</summary>
    public string? JobId { get; }

    /// <summary>The timeout that ran out.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How many slices had answered.</summary>
    public int CompletedSlices { get; }

    /// <summary>How many slices the job had.</summary>
    public int TotalSlices { get; }

    /// <summary>How many slices the transport had confirmed (taken from the producer) when the timeout ran out.</summary>
    public int PublishedSlices { get; }

    // What the numbers point at: slices the broker never took (a broker that is unreachable or refuses them), or slices
    // it took that no worker answered.
    private static string Describe(string producerName, string jobId, TimeSpan timeout, int completed, int total, int published, bool connected)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"Job {jobId} of producer '{producerName}' timed out after {timeout.TotalSeconds:0.###} s with {completed} of {total} slices answered");
        if (!connected)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{head} and {published} published: the connection to the broker is down. Is the broker reachable?");
        }

        return published < total
            ? string.Create(CultureInfo.InvariantCulture, $"{head} and {published} published: the broker did not confirm the rest in time. Is it blocked (a memory or disk alarm) or refusing messages?")
            : $"{head}. Are workers serving '{producerName}' running?";
    }
}
