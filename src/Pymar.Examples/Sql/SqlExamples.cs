using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Examples.SquaredSum;
using Pymar.Examples.WordCount;
using Pymar.Hosting;
using Pymar.Hosting.Sql;

namespace Pymar.Examples.Sql;

/// <summary>
/// The SQL examples: the Python original's sum of squares and word count over tables that each worker reads itself, in a
/// SQLite file (the default) or in PostgreSQL. The database is <c>ConnectionStrings:PymarExamples</c> with the
/// provider <c>Examples:Sql:Provider</c> (<c>Sqlite</c> or <c>PostgreSql</c>); without a connection string, SQLite
/// uses <c>pymar-examples.sqlite</c> in the temporary directory. Workers read the same keys from their own
/// configuration, so <c>localhost</c> means each worker's machine.
/// </summary>
public static class SqlExamples
{
    /// <summary>The database's name: its registration key and its connection string's name.</summary>
    public const string DatabaseName = "PymarExamples";

    /// <summary>The configuration key that picks the provider: <c>Sqlite</c> (default) or <c>PostgreSql</c>.</summary>
    public const string ProviderKey = "Examples:Sql:Provider";

    /// <summary>The configuration key of a text file that <c>word-count-sql</c> loads, one paragraph per row.</summary>
    public const string FileKey = "Examples:Sql:File";

    /// <summary>The sum of the squares of 0 .. 10^6 − 1.</summary>
    public const string SquaredSumAnswer = "333332833333500000";

    /// <summary>How many of the most common words <c>word-count-sql</c> prints.</summary>
    public const int TopWords = 20;

    /// <summary>Registers the SQL examples' database, data sources and producers.</summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    public static IPymarBuilder AddSqlExamples(this IPymarBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddSqlDatabase(DatabaseName, static services => ExampleDatabase.CreateDataSource(services.GetRequiredService<IConfiguration>()))
            .AddDataSource<NumbersTable>()
            .AddDataSource<DocumentsTable>()
            .AddProducer<SquaredSumProducer>()
            .AddProducer<WordCountProducer>();
    }

    /// <summary>
    /// <c>squared-sum-sql</c>: fills <see cref="NumbersTable"/> with 0 .. 10^6 − 1 unless it holds them, sums their
    /// squares through the workers and checks the answer against the one computed in memory.
    /// </summary>
    public static async Task<string> RunSquaredSumAsync(ProducerClient client, IServiceProvider services, MapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var database = services.GetRequiredKeyedService<SqlDatabase>(DatabaseName);
        await PrepareAsync(database, () => ExampleDatabase.EnsureNumbersAsync(database, NumbersTable.Count, cancellationToken)).ConfigureAwait(false);

        var producer = services.GetRequiredService<SquaredSumProducer>();
        var answer = await client.MapAsync(producer, DataSourceFactory<long>.For<NumbersTable>(), options, cancellationToken).ConfigureAwait(false);

        Int128 expected = 0;
        for (long x = 0; x < NumbersTable.Count; x++)
        {
            expected += (Int128)x * x;
        }

        return answer == expected
            ? answer.ToString(CultureInfo.InvariantCulture)
            : throw new PymarException($"squared-sum-sql answered {answer} but the sum computed in memory is {expected}.");
    }

    /// <summary>
    /// <c>word-count-sql</c>: loads the Python original's six documents (or the paragraphs of <see cref="FileKey"/>) into
    /// <see cref="DocumentsTable"/>, counts the words through the workers and prints the most common ones.
    /// </summary>
    public static async Task<string> RunWordCountAsync(ProducerClient client, IServiceProvider services, MapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var database = services.GetRequiredKeyedService<SqlDatabase>(DatabaseName);
        var file = services.GetRequiredService<IConfiguration>()[FileKey];
        var documents = string.IsNullOrEmpty(file)
            ? DocumentsDataSource.Documents
            : ExampleDatabase.Paragraphs(await ReadFileAsync(file, cancellationToken).ConfigureAwait(false));
        await PrepareAsync(database, () => ExampleDatabase.LoadDocumentsAsync(database, documents, cancellationToken)).ConfigureAwait(false);

        var producer = services.GetRequiredService<WordCountProducer>();
        var counts = await client.MapAsync(producer, DataSourceFactory<string>.For<DocumentsTable>(), options, cancellationToken).ConfigureAwait(false);
        return FormatTop(counts, TopWords);
    }

    /// <summary>The <paramref name="top"/> most common words, most common first, ties in word order: "one 6, two 5, …".</summary>
    public static string FormatTop(IReadOnlyDictionary<string, long> counts, int top)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return string.Join(", ", counts
            .OrderByDescending(c => c.Value)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(top)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
    }

    /// <summary>Fills the example's table on the producer; a database it cannot reach or write is a clear error.</summary>
    private static async Task PrepareAsync(SqlDatabase database, Func<Task> prepare)
    {
        try
        {
            await prepare().ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw new PymarConfigurationException($"The SQL examples cannot fill their table in database '{database.Name}': {ex.Message}", ex);
        }
    }

    private static async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PymarConfigurationException($"word-count-sql cannot read {path}: {ex.Message}", ex);
        }
    }
}
