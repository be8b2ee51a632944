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
    public MapTimeoutException(string producerName, string jobId, TimeSpan timeout, int completedSlices, int totalSlices)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Job {jobId} of producer '{producerName}' timed out after {timeout.TotalSeconds:0.###} s with {completedSlices} of {totalSlices} slices answered. Are workers serving '{producerName}' running?"))
    {
        ProducerName = producerName;
        JobId = jobId;
        Timeout = timeout;
        CompletedSlices = completedSlices;
        TotalSlices = totalSlices;
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
}
