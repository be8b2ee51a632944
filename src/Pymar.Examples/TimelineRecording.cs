using System.Collections.Concurrent;
using Pymar.Hosting.Events;

namespace Pymar.Examples;

/// <summary>Keeps every event of a run, in arrival order, for <c>--timeline</c>.</summary>
internal sealed class TimelineRecording : IPymarEventHandler
{
    private readonly ConcurrentQueue<PymarEvent> _events = new();

    /// <summary>The events so far, oldest first.</summary>
    public IReadOnlyList<PymarEvent> Events => [.. _events];

    public void OnEvent(PymarEvent pymarEvent) => _events.Enqueue(pymarEvent);

    public void OnMalformed(string reason)
    {
    }
}
