namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>Counts the slices of <see cref="BlockingSumProducer"/> that started, and those that saw their cancellation.</summary>
public sealed class SliceGate
{
    private int _started;
    private int _cancelled;

    public int Started => Volatile.Read(ref _started);

    public int Cancelled => Volatile.Read(ref _cancelled);

    internal void Start() => Interlocked.Increment(ref _started);

    internal void Cancel() => Interlocked.Increment(ref _cancelled);
}
