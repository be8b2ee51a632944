using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting.Benchmarks.Model;

/// <summary>How many items (= slices) the next trivial job has; set by the producer before each job.</summary>
internal sealed class TrivialJob
{
    /// <summary>
    /// The producer sets it per job; a worker process never learns it, so its source is as long as any job the
    /// harness runs (workers check each window against their source's length).
    /// </summary>
    public long Length { get; set; } = int.MaxValue;
}

/// <summary>The trivial data source: item i is the number i + 1, so a job of n slices sums to n(n + 1)/2.</summary>
internal sealed class TrivialSource(TrivialJob job) : DataSource<long>
{
    public override long GetLength() => job.Length;

    public override IEnumerable<long> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return x + 1;
        }
    }
}

/// <summary>A slice that returns a number: the sum of its one item.</summary>
internal sealed class TrivialProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>The step of the compute scenario's integral (1e-8 for 9×10^8 points; 1e-6 with --quick).</summary>
/// <param name="Dx">The step between points.</param>
internal sealed record IntegralSpec(double Dx)
{
    public const double Start = 1;
    public const double End = 10;
}

/// <summary>The Python original's integral data source (x values of exp on [1, 10]), with the step from <see cref="IntegralSpec"/>.</summary>
internal sealed class IntegralSource(IntegralSpec spec) : DataSource<double>
{
    private readonly double _dx = spec.Dx;

    public override long GetLength() => (long)((IntegralSpec.End - IntegralSpec.Start) / _dx);

    public override IEnumerable<double> Read(SliceWindow window)
    {
        for (var x = window.Offset; x < window.End; x++)
        {
            yield return IntegralSpec.Start + (x * _dx);
        }
    }
}

/// <summary>The iterator-style integration producer (Map and Reduce over iterators), as in the examples.</summary>
internal class IntegralProducer(IntegralSpec spec) : Producer<double, double>
{
    protected double Dx { get; } = spec.Dx;

    public override IEnumerable<double> Map(IEnumerable<double> items)
    {
        var dx = Dx;
        return items.Select(x => Math.Exp(x) * dx);
    }

    public override double Reduce(IEnumerable<double> values) => values.Sum();
}

/// <summary>The documented fast path: <c>ComputeSlice</c> loops over the window, as FastIntegrationProducer does.</summary>
internal sealed class FastIntegralProducer(IntegralSpec spec) : IntegralProducer(spec)
{
    public override double ComputeSlice(SliceContext<double> slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return FastIntegral.Sum(slice.Window, Dx);
    }
}

/// <summary>The fast-path loop, shared by the Pymar fast producer and the in-process contenders.</summary>
internal static class FastIntegral
{
    public static double Sum(SliceWindow window, double dx)
    {
        double sum = 0;
        for (var x = window.Offset; x < window.End; x++)
        {
            sum += Math.Exp(IntegralSpec.Start + (x * dx)) * dx;
        }

        return sum;
    }
}

/// <summary>The in-memory wire job: sum of squares of numbers made on the producer (the squared-sum-inmemory example).</summary>
internal sealed class SquaresProducer : Producer<long, Int128>
{
    public override IEnumerable<Int128> Map(IEnumerable<long> items) => items.Select(x => (Int128)x * x);

    public override Int128 Reduce(IEnumerable<Int128> values)
    {
        Int128 sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }
}

/// <summary>Registers the benchmark's producers and data sources, on the producer and on the workers alike.</summary>
internal static class BenchModel
{
    /// <summary>The producer names, which name their work queues.</summary>
    public static readonly string[] ProducerNames = [nameof(TrivialProducer), nameof(IntegralProducer), nameof(FastIntegralProducer), nameof(SquaresProducer), nameof(StallIntegralProducer)];

    public static IPymarBuilder AddBenchModel(this IPymarBuilder builder, double dx)
    {
        builder.Services.AddSingleton(new IntegralSpec(dx));
        builder.Services.AddSingleton<TrivialJob>();
        return builder
            .AddProducer<TrivialProducer>()
            .AddProducer<IntegralProducer>()
            .AddProducer<FastIntegralProducer>()
            .AddProducer<SquaresProducer>()
            .AddProducer<StallIntegralProducer>()
            .AddDataSource<TrivialSource>()
            .AddDataSource<IntegralSource>();
    }
}
