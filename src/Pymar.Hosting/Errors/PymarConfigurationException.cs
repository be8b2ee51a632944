namespace Pymar.Hosting;

/// <summary>
/// A call that cannot run as the host is configured: a producer or data source that is not registered, a name
/// registered twice, a data source whose items do not fit the producer.
/// </summary>
public sealed class PymarConfigurationException : PymarException
{
    /// <summary>Creates the exception.</summary>
    public PymarConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message saying what to change.</summary>
    public PymarConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public PymarConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
