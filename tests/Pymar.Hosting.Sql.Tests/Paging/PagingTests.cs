using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Sql.Tests.Support;

namespace Pymar.Hosting.Sql.Tests.Paging;

/// <summary>
/// Key-range, keyset and offset paging read the same rows: every row exactly once, whatever the slice count and
/// however many gaps the keys have, on SQLite and on PostgreSQL. Keyset and offset windows number rows and hold
/// exactly their limit; key-range windows number key values and hold at most their limit.
/// </summary>
public sealed class PagingTests
{
    private const long Count = 10_000;

    /// <summary>Every paging: key range (asked for and by default), keyset, offset with and without a key, keyset on a text key.</summary>
    private static readonly string[] s_pagings = ["key-range", "auto", "keyset", "offset", "offset-without-key", "keyset-on-text-key"];

    /// <summary>The pagings whose windows number the rows, so that each holds exactly its limit of rows.</summary>
    private static readonly string[] s_rowPagings = ["keyset", "offset", "offset-without-key", "keyset-on-text-key"];

    public static TheoryData<string, string> KindsAndPagings => KindsAnd(s_pagings);

    public static TheoryData<string, string> KindsAndRowPagings => KindsAnd(s_rowPagings);

    /// <summary>Integer key types that key ranges take (SQLite's INTEGER PRIMARY KEY is the rowid).</summary>
    public static TheoryData<string, string> KindsAndIntegerKeyTypes => new()
    {
        { TestDatabase.Sqlite, "INTEGER" },
        { TestDatabase.Sqlite, "BIGINT" },
        { TestDatabase.PostgreSql, "SMALLINT" },
        { TestDatabase.PostgreSql, "INTEGER" },
        { TestDatabase.PostgreSql, "BIGINT" },
        { TestDatabase.PostgreSql, "NUMERIC(12, 0)" },
    };

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
    public async Task KeyRangeKeysetAndOffsetPagingGiveTheSameAnswer(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, Count);
        var left = await NumbersTable.DeleteGapsAsync(database, Count, seed: 11);
        var expected = left.Sum(NumbersTable.ValueOf);

        var answers = new Dictionary<string, long>();
        foreach (var paging in s_pagings)
        {
            using var host = await StartAsync(database, Table(paging));
            var client = host.Services.GetRequiredService<ProducerClient>();
            answers[paging] = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), new MapOptions { SliceCount = 5, Timeout = TimeSpan.FromMinutes(2) });
            await host.StopAsync();
        }

        Assert.Equal(s_pagings, answers.Keys);
        Assert.All(answers, answer => Assert.True(answer.Value == expected, $"{answer.Key} paging answered {answer.Value}, expected {expected}"));
    }

    [Theory]
    [MemberData(nameof(KindsAndRowPagings))]
    public async Task EachRowWindowReadsExactlyItsRowsInKeyOrder(string kind, string paging)
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
            var rows = await ReadAsync(source, window);

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
    public async Task EachKeyRangeWindowReadsTheRowsWhoseKeysItCoversInKeyOrder(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 2_000);
        var left = await NumbersTable.DeleteGapsAsync(database, 2_000, seed: 3);
        var (min, max) = (left[0], left[^1]);

        await using var sqlDatabase = new SqlDatabase("Test", database.CreateDataSource());
        var source = new RowsTable(sqlDatabase, new TestTable(NumbersTable.Name, "id", SqlPaging.KeyRange));
        var length = await source.GetLengthAsync();

        // The length is the key's span, not the row count: the keys have gaps.
        Assert.Equal(max - min + 1, length);
        Assert.True(length > left.Length, $"span {length}, {left.Length} rows");

        var read = new List<long>();
        var counts = new List<int>();
        foreach (var window in Windows(length, 9))
        {
            var rows = await ReadAsync(source, window);

            Assert.InRange((long)rows.Count, 0, window.Limit);
            Assert.All(rows, r => Assert.InRange(r.Id, min + window.Offset, min + window.Offset + window.Limit - 1));
            Assert.All(rows, r => Assert.Equal(NumbersTable.ValueOf(r.Id), r.Value));
            read.AddRange(rows.Select(r => r.Id));
            counts.Add(rows.Count);
        }

        // Every row once, in key order; the windows inside the long run of deleted keys are empty.
        Assert.Equal(left, read);
        Assert.Contains(0, counts);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task KeyRangeSlicesPartitionSparseAndNegativeKeys(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        long[] keys = [-1_000_000, -3, 0, 1, 2, 7, 500, 999_999];
        await CreateKeyedTableAsync(database, "BIGINT", keys);

        await using (var sqlDatabase = new SqlDatabase("Test", database.CreateDataSource()))
        {
            Assert.Equal(2_000_000, await new RowsTable(sqlDatabase, new TestTable("keyed")).GetLengthAsync());
        }

        // Most of 64 slices hold no row at all; each row is still read once.
        using var host = await StartAsync(database, new TestTable("keyed"));
        var client = host.Services.GetRequiredService<ProducerClient>();
        foreach (var slices in new[] { 1, 3, 64 })
        {
            var ids = await client.MapAsync(new IdsProducer(), DataSourceFactory<Row>.For<RowsTable>(), new MapOptions { SliceCount = slices, Timeout = TimeSpan.FromMinutes(2) });
            Assert.Equal(keys, ids.Order());
        }

        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(KindsAndIntegerKeyTypes))]
    public async Task KeyRangePagingTakesAnyIntegerKeyType(string kind, string keyType)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        long[] keys = [.. Enumerable.Range(-300, 1_000).Where(i => i % 7 != 0).Select(i => (long)i)];
        await CreateKeyedTableAsync(database, keyType, keys);

        await using (var sqlDatabase = new SqlDatabase("Test", database.CreateDataSource()))
        {
            Assert.Equal(1_000, await new ValuesTable(sqlDatabase, new TestTable("keyed")).GetLengthAsync());
        }

        using var host = await StartAsync(database, new TestTable("keyed"));
        var client = host.Services.GetRequiredService<ProducerClient>();
        foreach (var slices in new[] { 1, 5, 64 })
        {
            var sum = await client.MapAsync(new SumProducer(), DataSourceFactory<long>.For<ValuesTable>(), new MapOptions { SliceCount = slices, Timeout = TimeSpan.FromMinutes(2) });
            Assert.Equal(keys.Sum(ValueOfKey), sum);
        }

        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Kinds), MemberType = typeof(TestDatabase))]
    public async Task KeyRangeLengthOfAnEmptyTableIsZero(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(kind);
        await NumbersTable.CreateAsync(database, 10);
        await database.ExecuteAsync($"DELETE FROM {NumbersTable.Name}");

        await using var sqlDatabase = new SqlDatabase("Test", database.CreateDataSource());
        Assert.Equal(0, await new ValuesTable(sqlDatabase, new TestTable(NumbersTable.Name)).GetLengthAsync());
    }

    /// <summary>The value the keyed table holds for a key.</summary>
    private static long ValueOfKey(long key) => key * 3;

    /// <summary>Creates <c>keyed (id keyType PRIMARY KEY, value BIGINT)</c> holding <paramref name="keys"/> with values <see cref="ValueOfKey"/>.</summary>
    private static async Task CreateKeyedTableAsync(TestDatabase database, string keyType, IEnumerable<long> keys)
    {
        await database.ExecuteAsync($"CREATE TABLE keyed (id {keyType} PRIMARY KEY, value BIGINT NOT NULL)");
        var values = string.Join(", ", keys.Select(k => string.Create(CultureInfo.InvariantCulture, $"({k}, {ValueOfKey(k)})")));
        await database.ExecuteAsync($"INSERT INTO keyed (id, value) VALUES {values}");
    }

    private static async Task<List<Row>> ReadAsync(RowsTable source, SliceWindow window)
    {
        var rows = new List<Row>();
        await foreach (var row in source.ReadAsync(window))
        {
            rows.Add(row);
        }

        return rows;
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

    private static TheoryData<string, string> KindsAnd(IEnumerable<string> pagings)
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { TestDatabase.Sqlite, TestDatabase.PostgreSql })
        {
            foreach (var paging in pagings)
            {
                data.Add(kind, paging);
            }
        }

        return data;
    }

    private static TestTable Table(string paging) => paging switch
    {
        "key-range" => new TestTable(NumbersTable.Name, "id", SqlPaging.KeyRange),
        "auto" => new TestTable(NumbersTable.Name, "id"),
        "keyset" => new TestTable(NumbersTable.Name, "id", SqlPaging.Keyset),
        "offset" => new TestTable(NumbersTable.Name, "id", SqlPaging.Offset),
        "offset-without-key" => new TestTable(NumbersTable.Name, null),
        "keyset-on-text-key" => new TestTable(NumbersTable.Name, "k", SqlPaging.Keyset),
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
