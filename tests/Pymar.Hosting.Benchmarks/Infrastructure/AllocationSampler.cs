using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// Which types the harness process allocates while sampling is on: the runtime's GCAllocationTick events (one about
/// every 100 KB allocated, naming the type whose allocation crossed the mark), summed by type. A sample stands for the
/// bytes allocated since the previous one, so the shares are estimates that firm up over many slices.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const long GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    /// <summary>Counts the samples that come from now on, or stops counting them.</summary>
    public void Sample(bool on) => _on = on;

    /// <summary>The <paramref name="top"/> types by bytes, per unit of <paramref name="per"/>.</summary>
    public string Describe(long per, int top) =>
        string.Join("; ", _bytes.OrderByDescending(p => p.Value).Take(top)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Value / (double)per:0} {Shorten(p.Key)}")));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
        {
            return;
        }

        var type = names.IndexOf("TypeName") is var t and >= 0 ? payload[t] as string ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>An async state machine's box is named by its method: <c>AsyncStateMachineBox(Type+&lt;Method&gt;)</c>.</summary>
    private static string Shorten(string type)
    {
        var method = type.LastIndexOf("+<", StringComparison.Ordinal);
        if (type.Contains("StateMachineBox", StringComparison.Ordinal) && method > 0)
        {
            var owner = type.LastIndexOfAny(['.', ','], method) + 1;
            var end = type.IndexOf('>', method);
            return $"state machine of {type[owner..method]}.{type[(method + 2)..end]}";
        }

        return type.StartsWith("System.", StringComparison.Ordinal) ? type["System.".Length..] : type;
    }
}
