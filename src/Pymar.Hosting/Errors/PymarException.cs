namespace Pymar.Hosting;

/// <summary>The base of the exceptions Pymar.Hosting throws for its own failures.</summary>
public class PymarException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PymarException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PymarException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public PymarException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
