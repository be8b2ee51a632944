using System.Globalization;

namespace Pymar.Hosting.TestWorker;

/// <summary>
/// The knobs of the test producers, read from the environment (and, for the count, the command line):
/// <c>PYMAR_TEST_SLICE_MS</c> is how long each slow slice takes on a worker, <c>PYMAR_TEST_COUNT</c> how many
/// numbers the producer side sums.
/// </summary>
public sealed class TestSettings
{
    public const string SliceMillisecondsVariable = "PYMAR_TEST_SLICE_MS";
    public const string CountVariable = "PYMAR_TEST_COUNT";
    public const string SecondSliceMillisecondsVariable = "PYMAR_TEST_SLICE_MS_2";
    public const string ThirdSliceMillisecondsVariable = "PYMAR_TEST_SLICE_MS_3";

    /// <summary>How long one slice of <see cref="SlowSumProducer"/> takes.</summary>
    public TimeSpan SliceDuration { get; init; }

    /// <summary>How long one slice of <see cref="SecondSlowSumProducer"/> takes (<c>PYMAR_TEST_SLICE_MS_2</c>, else <see cref="SliceDuration"/>).</summary>
    public TimeSpan SecondSliceDuration { get; init; }

    /// <summary>How long one slice of <see cref="ThirdSlowSumProducer"/> takes (<c>PYMAR_TEST_SLICE_MS_3</c>, else <see cref="SliceDuration"/>).</summary>
    public TimeSpan ThirdSliceDuration { get; init; }

    /// <summary>How many numbers (1 .. Count) <see cref="NumbersDataSource"/> holds.</summary>
    public long Count { get; init; } = 1000;

    public static TestSettings FromEnvironment(long? count)
    {
        var slice = Read(SliceMillisecondsVariable) ?? 0;
        return new()
        {
            SliceDuration = TimeSpan.FromMilliseconds(slice),
            SecondSliceDuration = TimeSpan.FromMilliseconds(Read(SecondSliceMillisecondsVariable) ?? slice),
            ThirdSliceDuration = TimeSpan.FromMilliseconds(Read(ThirdSliceMillisecondsVariable) ?? slice),
            Count = count ?? Read(CountVariable) ?? 1000,
        };
    }

    private static long? Read(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
}
