namespace Pymar.Hosting.Analyzers.Tests;

public sealed class UnregisteredTypeAnalyzerTests
{
    private const string Types = """
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using Microsoft.Extensions.DependencyInjection;
        using Pymar.Hosting;

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

        public sealed class Numbers : DataSource<long>
        {
            public override long GetLength() => 10;
            public override IEnumerable<long> Read(SliceWindow window) => [];
        }

        public sealed class Letters : DataSource<long>
        {
            public override long GetLength() => 10;
            public override IEnumerable<long> Read(SliceWindow window) => [];
        }
        """;

    [Fact]
    public async Task AProducerAndDataSourceUsedButNotRegisteredBesideOthersAreReported()
    {
        var source = Types + """

            public static class App
            {
                public static void Register(IServiceCollection services) =>
                    services.AddPymar().AddProducer<SumProducer>().AddDataSource<Numbers>();

                public static Task<long> RunAsync(ProducerClient client) =>
                    client.MapAsync({|#0:new CountProducer()|}, {|#1:DataSourceFactory<long>.For<Letters>()|});
            }
            """;

        await Verify.AnalyzerAsync<UnregisteredTypeAnalyzer>(
            source,
            Verify.Diagnostic("PYMAR001").WithLocation(0).WithArguments("producer", "CountProducer", "MapAsync", "AddProducer<T>() or AddPymarProducer<T>()"),
            Verify.Diagnostic("PYMAR001").WithLocation(1).WithArguments("data source", "Letters", "DataSourceFactory.For<TSource>()", "AddDataSource<T>() or AddPymarDataSource<T>()"));
    }

    [Fact]
    public async Task TypesRegisteredByTypeArgumentOrTypeofAreNotReported()
    {
        var source = Types + """

            public static class App
            {
                public static void Register(IServiceCollection services)
                {
                    services.AddPymar().AddProducer<SumProducer>().AddDataSource<Numbers>();
                    services.AddPymarProducer(typeof(CountProducer)).AddPymarDataSource(typeof(Letters));
                }

                public static async Task<long> RunAsync(ProducerClient client) =>
                    await client.MapAsync(new CountProducer(), DataSourceFactory<long>.For<Letters>())
                    + await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<Numbers>(0, 5));
            }
            """;

        await Verify.AnalyzerAsync<UnregisteredTypeAnalyzer>(source);
    }

    [Fact]
    public async Task ACompilationThatRegistersNothingOrRegistersATypeOnlyKnownAtRunTimeIsNotReported()
    {
        var source = Types + """

            public static class App
            {
                public static void Register(IServiceCollection services, System.Type loaded) =>
                    services.AddPymarProducer(loaded);

                public static Task<long> RunAsync(ProducerClient client) =>
                    client.MapAsync(new CountProducer(), DataSourceFactory<long>.For<Letters>());
            }
            """;

        await Verify.AnalyzerAsync<UnregisteredTypeAnalyzer>(source);
    }
}
