using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Sql.Tests.Support;

namespace Pymar.Hosting.Sql.Tests.Paging;

/// <summary>
/// Keyset and offset paging read the same rows: every row exactly once, whatever the slice count and however many
/// gaps the keys have, on SQLite and on PostgreSQL.
/// </summary>
public sealed class PagingTests
{
    private const long Count = 10_000;

    public static TheoryData<string, string> KindsAndPagings
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var kind in new[] { TestDatabase.Sqlite, TestDatabase.PostgreSql })
            {
                foreach (var paging in new[] { "keyset", "offset", "offset-without-key", "keyset-on-text-key" })
                {
                    data.Add(kind, paging);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndPagings))]
    public async Task SlicesCoverEveryRowOnceWhenKeysHaveGaps(string kind, string paging)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, Count);
        var expected = await NumbersTable.DeleteGapsAsync(database, Count, seed: 7);

        using var host = await StartAsync(database, Table(paging));
        var client = host.Services.GetRequiredService<ProducerClient>();
        foreach (var slices in new[] { 1, 3, 7, 64 })
        {
            var ids = await client.MapAsync(new IdsProducer(), DataSourceFactory<Row>.For<RowsTable>(), new MapOptions { SliceCount = slices, Timeout = TimeSpan.FromMinutes(2) });

            Assert.Equal(expected.Length, ids.Length);
            Assert.Equal(expected, ids.Order());
        }

        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task KeysetAndOffsetPagingGiveTheSameAnswer(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, Count);
        var left = await NumbersTable.DeleteGapsAsync(database, Count, seed: 11);
        var expected = left.Sum(NumbersTable.ValueOf);

        var answers = new Dictionary<string, long>();
        foreach (var paging in new[] { "keyset", "offset", "offset-without-key", "keyset-on-text-key" })
        {
            using var host = await StartAsync(database, Table(paging));
            var client = host.Services.GetRequiredService<ProducerClient>();
            answers[paging] = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), new MapOptions { SliceCount = 5, Timeout = TimeSpan.FromMinutes(2) });
            await host.StopAsync();
        }

        Assert.All(answers, answer => Assert.True(answer.Value == expected, $"{answer.Key} paging answered {answer.Value}, expected {expected}"));
    }

    [Theory]
    [MemberData(nameof(KindsAndPagings))]
    public async Task EachWindowReadsExactlyItsRowsInKeyOrder(string kind, string paging)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 2_000);
        var left = await NumbersTable.DeleteGapsAsync(database, 2_000, seed: 3);
        var table = Table(paging);
        var inOrder = table.KeyColumn == "k"
            ? [.. left.OrderBy(NumbersTable.KeyOf, StringComparer.Ordinal)]
            : left;

        await using var sqlDatabase = new SqlDatabase("Test", database.CreateDataSource());
        var source = new RowsTable(sqlDatabase, table);
        Assert.Equal(left.Length, await source.GetLengthAsync());

        var read = new List<long>();
        foreach (var window in Windows(left.Length, 9))
        {
            var rows = new List<Row>();
            await foreach (var row in source.ReadAsync(window))
            {
                rows.Add(row);
            }

            Assert.Equal(window.Limit, rows.Count);
            Assert.All(rows, r => Assert.Equal(NumbersTable.ValueOf(r.Id), r.Value));
            read.AddRange(rows.Select(r => r.Id));
        }

        if (table.KeyColumn is null)
        {
            Assert.Equal(left, read.Order());
        }
        else if (kind == TestDatabase.Sqlite || table.KeyColumn == "id")
        {
            // PostgreSQL orders text by its collation, which need not be ordinal: only the id order is checked there.
            Assert.Equal(inOrder, read);
        }
        else
        {
            Assert.Equal(left, read.Order());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task DenseKeyPagingReadsKeyRangesThatGiveTheSameAnswer(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, Count);
        // Keys 2001 .. 10000: dense, but not from 1.
        await database.ExecuteAsync($"DELETE FROM {NumbersTable.Name} WHERE id <= 2000");
        var expected = Enumerable.Range(2001, 8000).Select(i => (long)i).ToArray();

        using var host = await StartAsync(database, new TestTable(NumbersTable.Name, "id", SqlPaging.DenseKey));
        var client = host.Services.GetRequiredService<ProducerClient>();
        foreach (var slices in new[] { 1, 7, 64 })
        {
            var ids = await client.MapAsync(new IdsProducer(), DataSourceFactory<Row>.For<RowsTable>(), new MapOptions { SliceCount = slices, Timeout = TimeSpan.FromMinutes(2) });
            Assert.Equal(expected, ids.Order());
        }

        var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), new MapOptions { SliceCount = 5, Timeout = TimeSpan.FromMinutes(2) });
        Assert.Equal(expected.Sum(NumbersTable.ValueOf), sum);
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task DenseKeyPagingRefusesKeysWithGapsAtTheProducer(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 1_000);
        await database.ExecuteAsync($"DELETE FROM {NumbersTable.Name} WHERE id = 500");

        using var host = await StartAsync(database, new TestTable(NumbersTable.Name, "id", SqlPaging.DenseKey));
        var error = await Assert.ThrowsAsync<PymarConfigurationException>(() =>
            host.Services.GetRequiredService<ProducerClient>().MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), new MapOptions { SliceCount = 4, Timeout = TimeSpan.FromMinutes(2) }));

        Assert.Contains("has gaps: 999 rows with keys from 1 to 1000", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    /// <summary>Cuts [0, length) into windows of about equal size, the last one shorter (like Pymar's slicer).</summary>
    private static IEnumerable<SliceWindow> Windows(long length, int count)
    {
        var size = length / count + 1;
        for (var offset = 0L; offset < length; offset += size)
        {
            yield return new SliceWindow(offset, Math.Min(size, length - offset));
        }
    }

    private static TestTable Table(string paging) => paging switch
    {
        "keyset" => new TestTable(NumbersTable.Name, "id", SqlPaging.Keyset),
        "offset" => new TestTable(NumbersTable.Name, "id", SqlPaging.Offset),
        "offset-without-key" => new TestTable(NumbersTable.Name, null),
        "keyset-on-text-key" => new TestTable(NumbersTable.Name, "k"),
        _ => throw new ArgumentOutOfRangeException(nameof(paging), paging, null),
    };

    private static Task<IHost> StartAsync(TestDatabase database, TestTable table) =>
        SqlHosts.StartAsync(pymar =>
        {
            pymar.Services.AddSingleton(table);
            pymar.AddSqlDatabase(SqlHosts.DatabaseName, database.Provider)
                .AddProducer<IdsProducer>()
                .AddProducer<SumProducer>()
                .AddDataSource<RowsTable>()
                .AddDataSource<ValuesTable>();
        }, new Dictionary<string, string?> { ["ConnectionStrings:" + SqlHosts.DatabaseName] = database.ConnectionString });
}
