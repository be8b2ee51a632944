// docs/analyzers: the code each analyzer page shows, the examples that report a warning beside their fixes.
#pragma warning disable PYMAR001, PYMAR002, PYMAR003
// An example and its fix share the names the page shows, so each sits in a class of its own.
#pragma warning disable CA1034

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.Docs.Tests.Snippets.Analyzers;

public sealed class SumProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;
    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

public sealed class CountProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => [items.LongCount()];
    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

public sealed class NumbersDataSource : DataSource<long>
{
    public override long GetLength() => 100;
    public override IEnumerable<long> Read(SliceWindow window) => Enumerable.Range((int)window.Offset, (int)window.Limit).Select(i => (long)i);
}

public static class Pymar001
{
    // docs/analyzers/PYMAR001.md: the example.
    public static async Task<long> ReportedAsync(HostApplicationBuilder builder, ProducerClient client)
    {
        builder.Services.AddPymar().AddProducer<SumProducer>();
        // ...
        await client.MapAsync(new CountProducer(), DataSourceFactory<long>.For<NumbersDataSource>());
        //                    ~~~~~~~~~~~~~~~~~~ PYMAR001: The producer 'CountProducer' is passed to MapAsync but never registered
        return 0;
    }

    // docs/analyzers/PYMAR001.md: the fix.
    public static void Fixed(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .AddProducer<SumProducer>()
            .AddProducer<CountProducer>()      // the producer the job runs
            .AddDataSource<NumbersDataSource>();
    }
}

public sealed class ThresholdOptions
{
    public long Threshold { get; set; }
}

public static class Pymar002Reported
{
    // docs/analyzers/PYMAR002.md: the example.
    public sealed class ThresholdProducer : Producer<long, long>
    {
        public long Threshold { get; set; }   // PYMAR002: a value set by the caller does not reach the workers

        public override IEnumerable<long> Map(IEnumerable<long> items) => items.Where(i => i > Threshold);
        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}

public static class Pymar002Fixed
{
    // docs/analyzers/PYMAR002.md: the fix.
    public sealed class ThresholdProducer(IOptions<ThresholdOptions> options) : Producer<long, long>
    {
        private readonly long _threshold = options.Value.Threshold;

        public override IEnumerable<long> Map(IEnumerable<long> items) => items.Where(i => i > _threshold);
        public override long Reduce(IEnumerable<long> values) => values.Sum();
    }
}

public static class Pymar003Reported
{
    // docs/analyzers/PYMAR003.md: the example.
    public sealed class Total
    {
        public Total(long count) { Sum = count; }
        public long Sum { get; }
    }

    public sealed class TotalProducer : Producer<long, Total>
    //                                                 ~~~~~ PYMAR003: 'Total' travels between producer and workers as
    //                                                       JSON but System.Text.Json cannot read it back: the constructor
    //                                                       parameter 'count' matches no public property or field
    {
        public override IEnumerable<Total> Map(IEnumerable<long> items) => [new Total(items.Sum())];
        public override Total Reduce(IEnumerable<Total> values) => new(values.Sum(v => v.Sum));
    }
}

public static class Pymar003Fixed
{
    // docs/analyzers/PYMAR003.md: the fix.
    public sealed record Total(long Sum);
}
