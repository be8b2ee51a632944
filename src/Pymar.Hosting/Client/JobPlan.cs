namespace Pymar.Hosting.Client;

/// <summary>
/// What a job is: its producer and items, its windows, where replies go, the call's settings, and the trace context
/// and baggage its slice messages carry.
/// </summary>
internal sealed record JobPlan<TItem, TValue>(
    string JobId,
    Producer<TItem, TValue> Producer,
    string ProducerName,
    DataSourceFactory<TItem> Source,
    string? DataSourceName,
    IReadOnlyList<SliceWindow> Windows,
    string ReplyTo,
    TimeSpan? Timeout,
    MapOptions Options,
    IReadOnlyDictionary<string, string>? PropagationHeaders)
{
    /// <summary>How many times a failed slice is tried again.</summary>
    public int RetryCount => Options.RetryCount ?? Producer.DefaultRetryCount;
}
