using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Sql.Tests.Support;

namespace Pymar.Hosting.Sql.Tests.Errors;

/// <summary>What a user sees when a table, a column, a connection string or a worker's database is wrong.</summary>
public sealed class ErrorTests
{
    private static readonly MapOptions s_options = new() { SliceCount = 4, Timeout = TimeSpan.FromMinutes(2) };

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task ATableThatDoesNotExistFailsAtTheProducerWithAClearError(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        using var host = await StartAsync(database, new TestTable("no_such_table"));

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Contains("table no_such_table", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Test'", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task AColumnThatDoesNotExistFailsAtTheProducerWithAClearError(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 10);
        using var host = await StartAsync(database, new TestTable(NumbersTable.Name, KeyColumn: "no_such_key"));

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Contains("key no_such_key", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_key", error.InnerException!.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    /// <summary>Keys that are not integers, as SQL literals: text, real numbers, decimals with a fraction, uuids.</summary>
    public static TheoryData<string, string, string, string> NonIntegerKeys => new()
    {
        { TestDatabase.Sqlite, "TEXT", "'a'", "'b'" },
        { TestDatabase.Sqlite, "REAL", "1.5", "2.5" },
        { TestDatabase.PostgreSql, "TEXT", "'a'", "'b'" },
        { TestDatabase.PostgreSql, "NUMERIC(12, 2)", "1.5", "2.5" },
        { TestDatabase.PostgreSql, "DOUBLE PRECISION", "1", "2" },
        { TestDatabase.PostgreSql, "UUID", "'00000000-0000-0000-0000-000000000001'", "'00000000-0000-0000-0000-000000000002'" },
    };

    [Theory]
    [MemberData(nameof(NonIntegerKeys))]
    public async Task AKeyThatIsNotAnIntegerFailsKeyRangePagingAtTheProducerAndKeysetReadsIt(string kind, string keyType, string first, string second)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await database.ExecuteAsync($"CREATE TABLE keyed (id {keyType} PRIMARY KEY, value BIGINT NOT NULL)");
        await database.ExecuteAsync($"INSERT INTO keyed (id, value) VALUES ({first}, 3), ({second}, 4)");

        // A key column means key ranges by default.
        using (var host = await StartAsync(database, new TestTable("keyed")))
        {
            var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
                host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

            Assert.StartsWith("SQL data source 'ValuesTable' reads table keyed by key ranges (SqlPaging.KeyRange", error.Message, StringComparison.Ordinal);
            Assert.Contains("key column id", error.Message, StringComparison.Ordinal);
            Assert.Contains("use SqlPaging.Keyset", error.Message, StringComparison.OrdinalIgnoreCase);
            await host.StopAsync();
        }

        // The advice works.
        using (var host = await StartAsync(database, new TestTable("keyed", "id", SqlPaging.Keyset)))
        {
            Assert.Equal(7, await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));
            await host.StopAsync();
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task KeyRangePagingOfATextKeyFailsAtTheProducerNamingTheTableAndKey(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 100);
        using var host = await StartAsync(database, new TestTable(NumbersTable.Name, "k", SqlPaging.KeyRange));

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Equal(
            "SQL data source 'ValuesTable' reads table numbers by key ranges (SqlPaging.KeyRange), but key column k holds String values. " +
            "Use SqlPaging.Keyset for a key that is not an integer.",
            error.Message);
        await host.StopAsync();
    }

    public static TheoryData<string, long, long> KindsAndKeysBeyondWindows => new()
    {
        { TestDatabase.Sqlite, 1, long.MaxValue },
        { TestDatabase.Sqlite, long.MinValue, 0 },
        { TestDatabase.PostgreSql, 1, long.MaxValue },
        { TestDatabase.PostgreSql, long.MinValue, 0 },
    };

    [Theory]
    [MemberData(nameof(KindsAndKeysBeyondWindows))]
    public async Task KeysWhoseSpanDoesNotFitSixtyFourBitWindowsFailKeyRangePagingAtTheProducer(string kind, long least, long greatest)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await database.ExecuteAsync("CREATE TABLE keyed (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
        await database.ExecuteAsync("INSERT INTO keyed (id, value) VALUES (@least, 1), (@greatest, 2)", ("@least", least), ("@greatest", greatest));
        using var host = await StartAsync(database, new TestTable("keyed"));

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"key column id of table keyed runs from {least} to {greatest}"), error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Use SqlPaging.Keyset.", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task ADatabaseTheProducerCannotOpenIsAConfigurationError(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        using var host = await StartAsync(database, new TestTable(NumbersTable.Name), database.UnreachableConnectionString);

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.StartsWith("SQL data source 'ValuesTable' cannot open database 'Test'", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task AMissingConnectionStringNamesTheKeyToSet()
    {
        using var host = await SqlHosts.StartAsync(pymar =>
        {
            pymar.Services.AddSingleton(new TestTable(NumbersTable.Name));
            pymar.AddSqlDatabase(SqlHosts.DatabaseName, SqliteFactory.Instance).AddProducer<SumProducer>().AddDataSource<ValuesTable>();
        });

        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Contains("ConnectionStrings:Test", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task AWorkerWhoseDatabaseIsUnreachableFailsTheJobClearly(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 100);
        await using var broker = new BrokerQueues(nameof(SumProducer));
        var table = new TestTable(NumbersTable.Name);

        // The producer reads the length from a database it can open; the only worker is given one it cannot.
        using var worker = await StartAsync(database, table, database.UnreachableConnectionString, broker, workers: true);
        using var producer = await StartAsync(database, table, database.ConnectionString, broker, workers: false);

        var error = await Assert.ThrowsAsync<SliceFailedException>(() =>
            producer.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options));

        Assert.Equal(nameof(SumProducer), error.ProducerName);
        Assert.Equal(typeof(PymarException).FullName, error.RemoteError!.Type);
        Assert.StartsWith("SQL data source 'ValuesTable' cannot open database 'Test' for slice ", error.RemoteError.Message, StringComparison.Ordinal);
        Assert.Contains(error.Window.ToString(), error.RemoteError.Message, StringComparison.Ordinal);
        await producer.StopAsync();
        await worker.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task NamesAreQuotedIdentifiersNeverSqlText(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        const string hostile = "we\"ird'; DROP TABLE numbers; --";
        await NumbersTable.CreateAsync(database, 100);
        await NumbersTable.CreateAsync(database, 100, hostile);
        using var host = await StartAsync(database, new TestTable(hostile));

        var sum = await host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), s_options);

        Assert.Equal(Enumerable.Range(1, 100).Sum(i => NumbersTable.ValueOf(i)), sum);
        Assert.Equal(100, await database.ScalarAsync("SELECT count(*) FROM numbers"));
        await host.StopAsync();
    }

    private static Task<IHost> StartAsync(TestDatabase database, TestTable table, string? connectionString = null, BrokerQueues? broker = null, bool workers = true) =>
        SqlHosts.StartAsync(pymar =>
        {
            pymar.Services.AddSingleton(table);
            pymar.AddSqlDatabase(SqlHosts.DatabaseName, database.Provider).AddProducer<SumProducer>().AddDataSource<ValuesTable>();
        }, new Dictionary<string, string?> { ["ConnectionStrings:" + SqlHosts.DatabaseName] = connectionString ?? database.ConnectionString }, broker, workers);
}
