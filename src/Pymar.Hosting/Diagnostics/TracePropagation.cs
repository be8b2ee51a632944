using System.Diagnostics;

namespace Pymar.Hosting.Diagnostics;

/// <summary>
/// Writes a span's trace context and baggage into message headers, and reads them back, with
/// <see cref="DistributedContextPropagator.Current"/>: the propagator RabbitMQ.Client and ASP.NET Core use, so the
/// headers are the ones they write and read (W3C <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> by default).
/// </summary>
internal static class TracePropagation
{
    /// <summary>The headers that carry <paramref name="activity"/>'s context and baggage, or null when there is no activity.</summary>
    public static IReadOnlyDictionary<string, string>? Inject(Activity? activity)
    {
        if (activity is null)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
        {
            if (carrier is Dictionary<string, string> map)
            {
                map[name] = value;
            }
        });
        return headers.Count == 0 ? null : headers;
    }

    /// <summary>The remote parent context in <paramref name="headers"/> (default when there is none) and the baggage they carry.</summary>
    public static (ActivityContext Parent, IEnumerable<KeyValuePair<string, string?>>? Baggage) Extract(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return (default, null);
        }

        var propagator = DistributedContextPropagator.Current;
        propagator.ExtractTraceIdAndState(headers, Get, out var traceParent, out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        return (parent, propagator.ExtractBaggage(headers, Get));
    }

    private static void Get(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        value = carrier is IReadOnlyDictionary<string, string> map && map.TryGetValue(name, out var found) ? found : null;
    }
}
