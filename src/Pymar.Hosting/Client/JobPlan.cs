namespace Pymar.Hosting.Client;

/// <summary>What a job is: its producer and items, its windows, where replies go, and the call's settings.</summary>
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
    string? TraceParent)
{
    /// <summary>How many times a failed slice is tried again.</summary>
    public int RetryCount => Options.RetryCount ?? Producer.DefaultRetryCount;
}
