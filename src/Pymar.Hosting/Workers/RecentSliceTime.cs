using System.Diagnostics;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Workers;

/// <summary>
/// A worker's recent slice time (a moving average), which tells whether its slices are short enough that a
/// <c>slice.started</c> event is not worth making: the event pump leaves out a started event whose slice ends in the
/// same batch (it gathers for <see cref="PymarEventPump.Linger"/>), so for slices far shorter than that the event
/// would only cost the slot its time. A producer's recent computation time (with a bound of its own) also tells
/// where its computations run (<see cref="ComputeThreads"/>). Until a slice has finished, slices count as long.
/// </summary>
/// <param name="shortSlice">Below this average, slices are short; <see cref="ShortSlice"/> by default.</param>
internal sealed class RecentSliceTime(TimeSpan shortSlice)
{
    /// <summary>Slices shorter than this on average get no started event: a fifth of the pump's linger.</summary>
    public static readonly TimeSpan ShortSlice = PymarEventPump.Linger / 5;

    private readonly long _shortTicks = (long)(shortSlice.TotalSeconds * Stopwatch.Frequency);
    private long _averageTicks = long.MaxValue;

    /// <summary>Slices are short below <see cref="ShortSlice"/> on average.</summary>
    public RecentSliceTime()
        : this(ShortSlice)
    {
    }

    /// <summary>True when the recent slices took less than the bound on average.</summary>
    public bool IsShort => Volatile.Read(ref _averageTicks) < _shortTicks;

    /// <summary>Counts a finished slice (its weight is an eighth; the first one sets the average).</summary>
    public void Note(TimeSpan duration)
    {
        var ticks = (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var average = Volatile.Read(ref _averageTicks);

        // Two slots may note at once: one of the two updates wins, which an average can afford.
        Volatile.Write(ref _averageTicks, average == long.MaxValue ? ticks : average + ((ticks - average) / 8));
    }
}
