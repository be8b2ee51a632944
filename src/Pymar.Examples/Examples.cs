using System.Globalization;
using Pymar.Examples.Integration;
using Pymar.Examples.SquaredSum;
using Pymar.Examples.Sql;
using Pymar.Examples.WordCount;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting;

namespace Pymar.Examples;

/// <summary>One runnable example: its name, what it computes and how it maps through a <see cref="ProducerClient"/>.</summary>
/// <param name="Name">The subcommand.</param>
/// <param name="Description">What it computes, for the help.</param>
/// <param name="Run">Runs the job and formats its answer.</param>
internal sealed record Example(string Name, string Description, Func<ProducerClient, IServiceProvider, MapOptions, CancellationToken, Task<string>> Run);

/// <summary>The Python original's examples and the answers Python gives for them.</summary>
internal static class Examples
{
    public const string IntegrateAnswer = "22023.7365";
    public const string SquaredSumAnswer = "333333283333335000000";
    public const string WordCountAnswer = "one 6, two 5, three 4, four 3, five 2, six 1";

    private static readonly Lazy<long[]> s_numbers = new(() =>
    {
        var numbers = new long[RangeDataSource.Count];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i;
        }

        return numbers;
    });

    public static IReadOnlyList<Example> All { get; } =
    [
        new("integrate", "Integral of exp on [1, 10], dx = 0.000001 (9,000,000 points)", async (client, services, options, ct) =>
            FormatIntegral(await client.MapAsync(Get<IntegrationProducer>(services), DataSourceFactory<double>.For<IntegrationDataSource>(), options, ct))),
        new("integrate-fast", "The same through the fast path (ComputeSlice over the window)", async (client, services, options, ct) =>
            FormatIntegral(await client.MapAsync(Get<FastIntegrationProducer>(services), DataSourceFactory<double>.For<IntegrationDataSource>(), options, ct))),
        new("integrate-keyed", "The keyed README's variant: (key, value) elements", async (client, services, options, ct) =>
            FormatIntegral((await client.MapAsync(Get<KeyedIntegrationProducer>(services), DataSourceFactory<(long, double)>.For<KeyedIntegrationDataSource>(), options, ct)).Value)),
        new("squared-sum", "Sum of squares of 0 .. 10^7 - 1, values made on the workers", async (client, services, options, ct) =>
            (await client.MapAsync(Get<SquaredSumProducer>(services), DataSourceFactory<long>.For<RangeDataSource>(), options, ct)).ToString(CultureInfo.InvariantCulture)),
        new("squared-sum-inmemory", "The same list made on the producer and shipped in parts", async (client, services, options, ct) =>
            (await client.MapAsync(Get<SquaredSumProducer>(services), DataSourceFactory<long>.FromItems(s_numbers.Value), options, ct)).ToString(CultureInfo.InvariantCulture)),
        new("word-count", "Word count of the documents \"one\", \"one two\", ... \"one two three four five six\"", async (client, services, options, ct) =>
            FormatCounts(await client.MapAsync(Get<WordCountProducer>(services), DataSourceFactory<string>.For<DocumentsDataSource>(), options, ct))),
        new("squared-sum-sql", "Sum of squares of 0 .. 10^6 - 1 read by the workers from a table (SQLite, or --postgres)", SqlExamples.RunSquaredSumAsync),
        new("word-count-sql", "The word count over a table of documents (--file PATH: one row per paragraph, top 20)", SqlExamples.RunWordCountAsync),
    ];

    /// <summary>Registers every example's producer and data source.</summary>
    public static IPymarBuilder AddExamples(this IPymarBuilder builder) => builder
        .AddProducer<IntegrationProducer>()
        .AddProducer<FastIntegrationProducer>()
        .AddProducer<KeyedIntegrationProducer>()
        .AddProducer<SquaredSumProducer>()
        .AddProducer<WordCountProducer>()
        .AddDataSource<IntegrationDataSource>()
        .AddDataSource<KeyedIntegrationDataSource>()
        .AddDataSource<RangeDataSource>()
        .AddDataSource<DocumentsDataSource>()
        .AddSqlExamples();

    public static Example? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    public static string FormatIntegral(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    public static string FormatCounts(IReadOnlyDictionary<string, long> counts) =>
        string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    private static T Get<T>(IServiceProvider services)
        where T : notnull => (T)(services.GetService(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered."));
}
