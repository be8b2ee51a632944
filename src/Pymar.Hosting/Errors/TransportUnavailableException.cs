namespace Pymar.Hosting;

/// <summary>
/// The transport cannot reach its broker. The message names the broker but never its password. With
/// <see cref="PymarOptions.ComputeLocallyWhenUnreachable"/> on, a job computes locally instead of failing with this.
/// </summary>
public sealed class TransportUnavailableException : PymarException
{
    /// <summary>Creates the exception.</summary>
    public TransportUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TransportUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TransportUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
