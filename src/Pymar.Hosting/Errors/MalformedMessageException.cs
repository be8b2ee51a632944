namespace Pymar.Hosting;

/// <summary>A message on a Pymar queue that cannot be read as a slice request or reply.</summary>
public sealed class MalformedMessageException : PymarException
{
    /// <summary>Creates the exception.</summary>
    public MalformedMessageException()
    {
    }

    /// <summary>Creates the exception with a message saying what is wrong.</summary>
    public MalformedMessageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed it.</summary>
    public MalformedMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
