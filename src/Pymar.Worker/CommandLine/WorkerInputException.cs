namespace Pymar.Worker.CommandLine;

/// <summary>
/// Bad input to <c>pymar-worker</c>: the command line, the assembly or a type name. Its message is one line that
/// says what to change; the program prints it and exits with code 2.
/// </summary>
internal sealed class WorkerInputException : Exception
{
    public WorkerInputException()
    {
    }

    public WorkerInputException(string message)
        : base(message)
    {
    }

    public WorkerInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
