using Microsoft.Extensions.Logging;

namespace Pymar.Hosting;

/// <summary>What a job is: its producer, its windows, where replies go, and its retry and timeout settings.</summary>
internal sealed record JobPlan<TItem, TValue>(
    string JobId,
    Producer<TItem, TValue> Producer,
    string ProducerName,
    DataSourceFactory<TItem> Source,
    string? DataSourceName,
    IReadOnlyList<SliceWindow> Windows,
    string ReplyTo,
    TimeSpan? Timeout,
    long? ExpiresAtUnixMilliseconds,
    int RetryCount,
    TimeSpan RetryBackoff,
    IProgress<MapProgress>? Progress,
    string? TraceParent,
    ILogger Logger);
