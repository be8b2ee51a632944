using System.Globalization;

namespace Pymar.Hosting;

/// <summary>
/// How many slices a job is cut into: a fixed number, or <see cref="Auto"/>, which sizes the job to the worker slots
/// that are live when it starts. An <see cref="int"/> converts to a fixed count, so <c>SliceCount = 8</c> reads as
/// before.
/// </summary>
/// <remarks>
/// <see cref="Auto"/> cuts <c>live slots × <see cref="PymarOptions.AutoSliceBalance"/></c> slices, at most one per
/// <see cref="PymarOptions.AutoSliceMinItems"/> items; with no live worker it cuts
/// <see cref="PymarOptions.AutoSliceFallback"/>. For example 3 workers of 2 slots, a balance of 4 and 1,000 items
/// give 24 slices; 10 items give 10.
/// </remarks>
public readonly struct SliceCount : IEquatable<SliceCount>
{
    // 0 is Auto, so default(SliceCount) sizes to the pool.
    private readonly int _fixed;

    private SliceCount(int count) => _fixed = count;

    /// <summary>Sizes each job to the live worker slots serving its producer.</summary>
    public static SliceCount Auto => default;

    /// <summary>True for <see cref="Auto"/>.</summary>
    public bool IsAuto => _fixed == 0;

    /// <summary>The fixed number of slices, or null for <see cref="Auto"/>.</summary>
    public int? Value => IsAuto ? null : _fixed;

    /// <summary>A fixed number of slices; any positive number gives the same answer.</summary>
    /// <param name="count">The number of slices; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public static SliceCount Fixed(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new SliceCount(count);
    }

    /// <summary>A fixed number of slices, as <see cref="Fixed(int)"/>.</summary>
    /// <param name="count">The number of slices; at least 1.</param>
    public static implicit operator SliceCount(int count) => Fixed(count);

    /// <summary>True when both are <see cref="Auto"/> or the same fixed count.</summary>
    public static bool operator ==(SliceCount left, SliceCount right) => left.Equals(right);

    /// <summary>False when both are <see cref="Auto"/> or the same fixed count.</summary>
    public static bool operator !=(SliceCount left, SliceCount right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(SliceCount other) => _fixed == other._fixed;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SliceCount other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _fixed;

    /// <summary><c>Auto</c>, or the fixed count.</summary>
    public override string ToString() => IsAuto ? "Auto" : _fixed.ToString(CultureInfo.InvariantCulture);
}
