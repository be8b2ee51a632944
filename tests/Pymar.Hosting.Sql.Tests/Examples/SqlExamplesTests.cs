using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Examples;
using Pymar.Examples.SquaredSum;
using Pymar.Examples.Sql;
using Pymar.Examples.WordCount;
using Pymar.Hosting.Sql.Tests.Support;

namespace Pymar.Hosting.Sql.Tests.Examples;

/// <summary>The SQL examples answer exactly on SQLite and PostgreSQL, through in-process workers and through RabbitMQ.</summary>
public sealed class SqlExamplesTests
{
    public static TheoryData<string, bool> KindsAndTransports => new()
    {
        { TestDatabase.Sqlite, false },
        { TestDatabase.Sqlite, true },
        { TestDatabase.PostgreSql, false },
        { TestDatabase.PostgreSql, true },
    };

    [Theory]
    [MemberData(nameof(KindsAndTransports))]
    public async Task BothSqlExamplesAnswerExactly(string kind, bool overRabbitMq)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await using var broker = overRabbitMq ? new BrokerQueues(nameof(SquaredSumProducer), nameof(WordCountProducer)) : null;
        using var host = await SqlHosts.StartAsync(pymar => pymar.AddSqlExamples(), new Dictionary<string, string?>
        {
            [SqlExamples.ProviderKey] = kind == TestDatabase.PostgreSql ? "PostgreSql" : "Sqlite",
            ["ConnectionStrings:" + SqlExamples.DatabaseName] = database.ConnectionString,
        }, broker);
        var client = host.Services.GetRequiredService<ProducerClient>();
        var options = new MapOptions { SliceCount = 6, Timeout = TimeSpan.FromMinutes(2) };

        Assert.Equal(SqlExamples.SquaredSumAnswer, await SqlExamples.RunSquaredSumAsync(client, host.Services, options, CancellationToken.None));
        Assert.Equal(Pymar.Examples.Examples.WordCountAnswer, await SqlExamples.RunWordCountAsync(client, host.Services, options, CancellationToken.None));
        // A second run finds the numbers in place and answers the same.
        Assert.Equal(SqlExamples.SquaredSumAnswer, await SqlExamples.RunSquaredSumAsync(client, host.Services, MapOptions.Default, CancellationToken.None));
        await host.StopAsync();
    }

    [Fact]
    public async Task TheExamplesProgramRunsSquaredSumSqlOnPostgres()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);

        var (code, output, error) = await RunAsync(null, "squared-sum-sql", "--postgres", database.ConnectionString, "--slices", "5", "--workers", "2");

        Assert.True(code == 0, error);
        Assert.Contains($"squared-sum-sql: {SqlExamples.SquaredSumAnswer}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WordCountSqlPrintsTheTwentyMostCommonWordsOfAFile()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var file = Path.Combine(Path.GetTempPath(), "pymar-sql-tests", Guid.NewGuid().ToString("N") + ".txt");
        var words = Enumerable.Range(1, 25).Select(i => $"w{i:00}").ToArray();
        // Word i appears i times, spread over paragraphs, in mixed case and with punctuation.
        var paragraphs = Enumerable.Range(1, 25).Select(n => string.Join(", ", words.Where((_, i) => i + 1 >= n).Select((w, i) => i % 2 == 0 ? w.ToUpperInvariant() : w)) + ".");
        await File.WriteAllTextAsync(file, string.Join("\n\n", paragraphs) + "\n");
        try
        {
            var (code, output, error) = await RunAsync(
                services => services.AddKeyedSingleton(SqlExamples.DatabaseName, (_, _) => new Pymar.Hosting.Sql.SqlDatabase(SqlExamples.DatabaseName, SqliteFactory.Instance.CreateDataSource(database.ConnectionString))),
                "word-count-sql", "--file", file, "--slices", "4");

            Assert.True(code == 0, error);
            var expected = string.Join(", ", Enumerable.Range(0, 20).Select(i => $"w{25 - i:00} {25 - i}"));
            Assert.Contains($"word-count-sql: {expected}" + Environment.NewLine, output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(Action<IServiceCollection>? configureServices, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ExampleProgram.RunAsync(args, output, error, configureServices, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
