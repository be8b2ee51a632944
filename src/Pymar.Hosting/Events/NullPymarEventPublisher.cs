namespace Pymar.Hosting.Events;

/// <summary>The publisher used when events are off or not registered: it drops everything without counting.</summary>
internal sealed class NullPymarEventPublisher : IPymarEventPublisher
{
    private NullPymarEventPublisher()
    {
    }

    /// <summary>The one instance.</summary>
    public static NullPymarEventPublisher Instance { get; } = new();

    /// <inheritdoc />
    public bool IsEnabled => false;

    /// <inheritdoc />
    public long Dropped => 0;

    /// <inheritdoc />
    public bool Publish(PymarEvent pymarEvent) => false;
}
