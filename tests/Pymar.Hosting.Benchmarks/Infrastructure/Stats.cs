namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>Order statistics of a sample.</summary>
internal readonly record struct Stats(int Count, double Median, double Min, double Max, double Mean, double P90)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new Stats(sorted.Length, Percentile(sorted, 0.5), sorted[0], sorted[^1], sorted.Average(), Percentile(sorted, 0.9));
    }

    /// <summary>
    /// A bootstrap interval of the median: the <paramref name="level"/> share of the medians of 2,000 resamples (with
    /// replacement, a fixed seed so a run can be repeated) lies between the two bounds.
    /// </summary>
    public static (double Low, double High) MedianInterval(IReadOnlyList<double> values, double level = 0.9)
    {
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        const int resamples = 2_000;
        var random = new Random(1);
        var medians = new double[resamples];
        var resample = new double[values.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < resample.Length; i++)
            {
                resample[i] = values[random.Next(values.Count)];
            }

            Array.Sort(resample);
            medians[r] = Percentile(resample, 0.5);
        }

        Array.Sort(medians);
        return (Percentile(medians, (1 - level) / 2), Percentile(medians, 1 - ((1 - level) / 2)));
    }

    /// <summary>The <paramref name="p"/> quantile (0 to 1) of <paramref name="values"/>, interpolated; NaN when empty.</summary>
    public static double Quantile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : Percentile(sorted, p);
    }

    /// <summary>
    /// Jain's fairness index of <paramref name="shares"/>: (Σx)² / (n Σx²), 1 when every share is equal, 1/n when one
    /// takes everything.
    /// </summary>
    public static double JainIndex(IReadOnlyCollection<double> shares)
    {
        var squares = shares.Sum(x => x * x);
        return squares == 0 ? double.NaN : shares.Sum() * shares.Sum() / (shares.Count * squares);
    }

    private static double Percentile(double[] sorted, double p)
    {
        var position = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
