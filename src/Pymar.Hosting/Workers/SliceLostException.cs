namespace Pymar.Hosting.Workers;

/// <summary>A cancelled slice went on running past the grace it had to notice its token; its slot is lost.</summary>
internal sealed class SliceLostException : Exception
{
    public SliceLostException()
        : base("The slice ignored its cancellation.")
    {
    }

    public SliceLostException(string message)
        : base(message)
    {
    }

    public SliceLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
