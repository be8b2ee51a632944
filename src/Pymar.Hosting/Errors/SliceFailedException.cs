using System.Globalization;

namespace Pymar.Hosting;

/// <summary>A slice of a job failed on a worker; <see cref="RemoteError"/> says how.</summary>
public sealed class SliceFailedException : PymarException
{
    /// <summary>Creates the exception.</summary>
    public SliceFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SliceFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public SliceFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a slice and the error its worker reported.</summary>
    /// <param name="producerName">The registered name of the producer.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="sliceIndex">The index of the failed slice.</param>
    /// <param name="window">The failed slice's window.</param>
    /// <param name="remoteError">The error the worker reported.</param>
    /// <param name="attempts">How many times the slice was tried.</param>
    public SliceFailedException(string producerName, string jobId, int sliceIndex, SliceWindow window, RemoteError remoteError, int attempts = 1)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Slice {sliceIndex} {window} of producer '{producerName}' (job {jobId}) failed on worker {remoteError?.WorkerId}{(attempts > 1 ? $" after {attempts} attempts" : "")}: {remoteError?.Type}: {remoteError?.Message}"))
    {
        Attempts = attempts;
        ProducerName = producerName;
        JobId = jobId;
        SliceIndex = sliceIndex;
        Window = window;
        RemoteError = remoteError;
    }

    /// <summary>The registered name of the producer.</summary>
    public string? ProducerName { get; }

    /// <summary>The job's id.</summary>
    public string? JobId { get; }

    /// <summary>The index of the failed slice.</summary>
    public int SliceIndex { get; }

    /// <summary>The failed slice's window.</summary>
    public SliceWindow Window { get; }

    /// <summary>How many times the slice was tried.</summary>
    public int Attempts { get; }

    /// <summary>The error the worker reported.</summary>
    public RemoteError? RemoteError { get; }
}
