namespace Pymar.Hosting;

/// <summary>
/// The outcome of <see cref="ProducerClient.MapWithFailuresAsync{TItem, TValue}"/>: the reduce of every slice that
/// succeeded, and the slices that failed.
/// </summary>
/// <typeparam name="TValue">The type of the answer.</typeparam>
public sealed class MapResult<TValue>
{
    internal MapResult(TValue value, bool hasValue, int totalSlices, IReadOnlyList<SliceFailure> failures)
    {
        Value = value;
        HasValue = hasValue;
        TotalSlices = totalSlices;
        Failures = failures;
    }

    /// <summary>The reduce of the slices that succeeded; the default value when none did.</summary>
    public TValue Value { get; }

    /// <summary>True when at least one slice succeeded (or the data set was empty).</summary>
    public bool HasValue { get; }

    /// <summary>How many slices the job was cut into.</summary>
    public int TotalSlices { get; }

    /// <summary>The slices that failed on every attempt, by index.</summary>
    public IReadOnlyList<SliceFailure> Failures { get; }

    /// <summary>True when every slice succeeded.</summary>
    public bool Succeeded => Failures.Count == 0;
}
