using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Diagnostics;

namespace Pymar.Hosting.Events;

/// <summary>
/// The publisher when events are on: a bounded channel that drops the newest event when full (so a slice never waits
/// for the dashboard), drained by <see cref="PymarEventPump"/>.
/// </summary>
internal sealed class ChannelEventPublisher : IPymarEventPublisher
{
    private static readonly Counter<long> s_dropped = PymarTelemetry.Meter.CreateCounter<long>("pymar.events.dropped", "{event}", "Events dropped because their queue was full or the transport failed.");

    private readonly Channel<PymarEvent> _channel;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private long _dropped;

    public ChannelEventPublisher(IOptions<PymarEventsOptions> options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _capacity = Math.Max(16, options.Value.QueueCapacity);
        _channel = Channel.CreateBounded<PymarEvent>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        }, _ => CountDropped());
    }

    public bool IsEnabled => true;

    public long Dropped => Interlocked.Read(ref _dropped);

    public ChannelReader<PymarEvent> Reader => _channel.Reader;

    public bool Publish(PymarEvent pymarEvent)
    {
        ArgumentNullException.ThrowIfNull(pymarEvent);
        if (_channel.Reader.Count >= _capacity)
        {
            CountDropped();
            return false;
        }

        // The typed helpers make events stamped already; only an event built by hand is copied to stamp it.
        var stamped = pymarEvent.Time == default || pymarEvent.Worker is null || pymarEvent.Host is null || pymarEvent.ProcessId is null
            ? pymarEvent with
            {
                Time = pymarEvent.Time == default ? _time.GetUtcNow() : pymarEvent.Time,
                Worker = pymarEvent.Worker ?? EventOrigin.Worker,
                Host = pymarEvent.Host ?? EventOrigin.Host,
                ProcessId = pymarEvent.ProcessId ?? EventOrigin.ProcessId,
            }
            : pymarEvent;

        // Between the check above and here another writer may fill the queue: DropWrite then drops and calls CountDropped.
        if (!_channel.Writer.TryWrite(stamped))
        {
            CountDropped();
            return false;
        }

        return true;
    }

    public void CountDropped(int count = 1)
    {
        Interlocked.Add(ref _dropped, count);
        s_dropped.Add(count);
    }
}
