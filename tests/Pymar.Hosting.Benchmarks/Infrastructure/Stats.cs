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

    private static double Percentile(double[] sorted, double p)
    {
        var position = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
