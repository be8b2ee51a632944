using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>The stages a traced slice passes, in the order they happen.</summary>
internal enum TraceKind
{
    /// <summary>Producer: publishing the slice message starts.</summary>
    PublishStart,

    /// <summary>Producer: the publish returned (the broker confirmed it, where confirms are on).</summary>
    PublishEnd,

    /// <summary>Worker: the transport handed the slice to the worker's code.</summary>
    Deliver,

    /// <summary>Worker: publishing the reply starts (the slice is computed and its reply serialized).</summary>
    ReplyStart,

    /// <summary>Worker: the reply publish returned.</summary>
    ReplyEnd,

    /// <summary>Worker: acknowledging the slice starts.</summary>
    AckStart,

    /// <summary>Worker: the acknowledgement returned.</summary>
    AckEnd,

    /// <summary>Producer: the reply reached the producer's transport.</summary>
    ReplyArrive,
}

/// <summary>One traced moment: a <see cref="Stopwatch"/> timestamp, a stage and the slice's correlation id.</summary>
/// <remarks>
/// On Linux <see cref="Stopwatch.GetTimestamp"/> reads CLOCK_MONOTONIC, which is the same clock in every process of
/// the machine, so the producer's and the worker's timestamps can be subtracted.
/// </remarks>
internal readonly record struct TraceEvent(long Timestamp, TraceKind Kind, string Key);

/// <summary>Collects trace events while enabled; cheap enough to leave in place when disabled.</summary>
internal sealed class TraceLog
{
    private ConcurrentQueue<TraceEvent> _events = new();
    private volatile bool _enabled;

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Add(TraceKind kind, string? key, long timestamp)
    {
        if (_enabled && key is not null)
        {
            _events.Enqueue(new TraceEvent(timestamp, kind, key));
        }
    }

    public void Add(TraceKind kind, string? key) => Add(kind, key, Stopwatch.GetTimestamp());

    /// <summary>Returns the events collected so far and starts a new collection.</summary>
    public IReadOnlyList<TraceEvent> Drain() => Interlocked.Exchange(ref _events, new ConcurrentQueue<TraceEvent>()).ToArray();

    public static async Task WriteAsync(string path, IEnumerable<TraceEvent> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append(e.Timestamp.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(((int)e.Kind).ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(e.Key).Append('\n');
        }

        await File.WriteAllTextAsync(path, text.ToString());
    }

    public static async Task<IReadOnlyList<TraceEvent>> ReadAsync(string path)
    {
        var events = new List<TraceEvent>();
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3)
            {
                events.Add(new TraceEvent(long.Parse(parts[0], CultureInfo.InvariantCulture), (TraceKind)int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]));
            }
        }

        return events;
    }
}

/// <summary>Counts the message bodies a process publishes, by kind.</summary>
internal sealed class WireCounters
{
    private volatile bool _enabled;
    private long _slices;
    private long _sliceBytes;
    private long _maxSliceBytes;
    private long _replies;
    private long _replyBytes;
    private long _sliceOverheadBytes;

    /// <summary>Whether the worker side wraps deliveries to count reply bodies (off unless the wire scenario runs).</summary>
    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Slice(int bodyBytes, int propertyBytes)
    {
        Interlocked.Increment(ref _slices);
        Interlocked.Add(ref _sliceBytes, bodyBytes);
        Interlocked.Add(ref _sliceOverheadBytes, propertyBytes);
        long max;
        while (bodyBytes > (max = Interlocked.Read(ref _maxSliceBytes)) && Interlocked.CompareExchange(ref _maxSliceBytes, bodyBytes, max) != max)
        {
        }
    }

    public void Reply(int bodyBytes)
    {
        Interlocked.Increment(ref _replies);
        Interlocked.Add(ref _replyBytes, bodyBytes);
    }

    public WireCount Read() => new(Interlocked.Read(ref _slices), Interlocked.Read(ref _sliceBytes), Interlocked.Read(ref _maxSliceBytes),
        Interlocked.Read(ref _sliceOverheadBytes), Interlocked.Read(ref _replies), Interlocked.Read(ref _replyBytes));

    public void Reset()
    {
        Interlocked.Exchange(ref _slices, 0);
        Interlocked.Exchange(ref _sliceBytes, 0);
        Interlocked.Exchange(ref _maxSliceBytes, 0);
        Interlocked.Exchange(ref _sliceOverheadBytes, 0);
        Interlocked.Exchange(ref _replies, 0);
        Interlocked.Exchange(ref _replyBytes, 0);
    }
}

/// <summary>A reading of <see cref="WireCounters"/>.</summary>
internal readonly record struct WireCount(long Slices, long SliceBytes, long MaxSliceBytes, long SlicePropertyBytes, long Replies, long ReplyBytes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Slices} {SliceBytes} {MaxSliceBytes} {SlicePropertyBytes} {Replies} {ReplyBytes}");

    public static WireCount Parse(string text)
    {
        var p = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new WireCount(p[0], p[1], p[2], p[3], p[4], p[5]);
    }
}
