using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pymar.Hosting.Diagnostics;

namespace Pymar.Hosting.Tests.Support;

/// <summary>Sums Pymar's counters for one producer while it is alive.</summary>
internal sealed class PymarCounters : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly MeterListener _listener = new();

    public PymarCounters(string producerName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PymarTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "pymar.producer" && Equals(tag.Value, producerName))
                {
                    _counts.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
                }
            }
        });
        _listener.Start();
    }

    public long this[string counter] => _counts.GetValueOrDefault(counter);

    public void Dispose() => _listener.Dispose();
}
