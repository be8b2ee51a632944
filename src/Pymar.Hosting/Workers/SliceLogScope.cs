using System.Collections;

namespace Pymar.Hosting.Workers;

/// <summary>The properties every log line of a slice carries: job id, slice index and producer.</summary>
internal sealed class SliceLogScope(string jobId, int sliceIndex, string producer) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 3;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("JobId", jobId),
        1 => new("SliceIndex", sliceIndex),
        2 => new("Producer", producer),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"job {jobId} slice {sliceIndex} ({producer})";
}
