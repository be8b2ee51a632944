using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Sql;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// sql: keyset, key-range and offset paging of <see cref="SqlTableDataSource{TItem}"/> over a table of 10^6 rows, in
/// SQLite and in PostgreSQL: the time a worker takes to read one slice's rows, as the slice moves deeper into the table.
/// Each read is what a worker does for a slice (open a connection, query, read every row into an item), alternately
/// keyset, key range and offset, after a warm-up read of the whole table. The table's ids are 1 .. rows, so the key's
/// span equals the row count and every paging reads the same rows for a window. PostgreSQL's table is vacuumed until
/// every page is all-visible, so that keyset's step over the key index is an index-only scan without heap fetches.
/// </summary>
internal static class SqlPagingScenario
{
    private const int Slices = 16;

    /// <summary>The local PostgreSQL of <c>deploy/postgres/start-local.sh</c>; <c>PYMAR_BENCH_POSTGRES</c> overrides it.</summary>
    private static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("PYMAR_BENCH_POSTGRES") is { Length: > 0 } configured
            ? configured
            : "Host=127.0.0.1;Port=5433;Username=pymar;Password=pymar;Database=pymar;Timeout=10;Command Timeout=600";

    public static async Task RunAsync(BenchContext context)
    {
        var rows = context.Options.Quick ? 100_000 : 1_000_000;
        var rounds = context.Options.Quick ? 2 : 7;
        var result = new ScenarioResult("sql", string.Create(CultureInfo.InvariantCulture,
            $"time to read one slice of a {rows:#,0}-row table cut into {Slices} slices ({rows / Slices:#,0} rows each), by the slice's depth; keyset (WHERE id >= (key at offset) ORDER BY id LIMIT n), key range (WHERE id >= min + m AND id < min + m + n) and offset (ORDER BY id LIMIT n OFFSET m); {rounds} reads each, alternately"));

        var sqlite = Path.Combine(context.ScratchDirectory, "sql-paging.sqlite");
        await MeasureAsync(context, result, "SQLite", SqliteFactory.Instance, new SqliteConnectionStringBuilder { DataSource = sqlite }.ToString(), rows, rounds);
        SqliteConnection.ClearAllPools();

        var schema = string.Create(CultureInfo.InvariantCulture, $"bench_{Environment.ProcessId}_{DateTime.UtcNow:HHmmss}");
        try
        {
            await PostgresAsync($"CREATE SCHEMA {schema}");
        }
        catch (NpgsqlException ex)
        {
            result.Notes.Add($"PostgreSQL: not measured, the server does not answer ({ex.Message}); start it with ./deploy/postgres/start-local.sh or set PYMAR_BENCH_POSTGRES");
            context.Report.Add(result);
            return;
        }

        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(PostgresConnectionString) { SearchPath = schema }.ToString();
            await MeasureAsync(context, result, "PostgreSQL", NpgsqlFactory.Instance, connectionString, rows, rounds);
        }
        finally
        {
            await PostgresAsync($"DROP SCHEMA {schema} CASCADE");
        }

        context.Report.Add(result);
    }

    private static async Task MeasureAsync(BenchContext context, ScenarioResult result, string name, DbProviderFactory provider, string connectionString, int rows, int rounds)
    {
        await using var database = new SqlDatabase(name, provider.CreateDataSource(connectionString));
        var vacuumed = await FillAsync(database, name, rows);
        var keyset = new BenchNumbers(database, SqlPaging.Keyset);
        var keyRange = new BenchNumbers(database, SqlPaging.KeyRange);
        var offset = new BenchNumbers(database, SqlPaging.Offset);
        var size = rows / Slices;
        var depths = new[] { 0, 1, Slices / 4, Slices / 2, 3 * Slices / 4, Slices - 1 }.Distinct().ToArray();

        // Warm-up: the whole table once through each paging (caches, JIT, connection pool).
        await ReadAsync(keyset, new SliceWindow(0, rows), context.Cancellation);
        await ReadAsync(keyRange, new SliceWindow(0, rows), context.Cancellation);
        await ReadAsync(offset, new SliceWindow(0, rows), context.Cancellation);

        var samples = depths.ToDictionary(d => d, _ => (Keyset: new List<double>(), KeyRange: new List<double>(), Offset: new List<double>()));
        for (var round = 0; round < rounds; round++)
        {
            foreach (var depth in depths)
            {
                var window = new SliceWindow((long)depth * size, size);
                samples[depth].Keyset.Add(await ReadAsync(keyset, window, context.Cancellation));
                samples[depth].KeyRange.Add(await ReadAsync(keyRange, window, context.Cancellation));
                samples[depth].Offset.Add(await ReadAsync(offset, window, context.Cancellation));
            }
        }

        string Row(string paging, int depth) => string.Create(CultureInfo.InvariantCulture, $"{paging}, slice {depth + 1} of {Slices} (offset {(long)depth * size:#,0})");
        var table = new ResultTable($"{name}: one slice of {size:#,0} rows", "ms", Row("keyset", 0), "median / keyset slice 1 median");
        table.AddAll(depths.SelectMany(d => new[]
        {
            (Row("keyset", d), (IReadOnlyList<double>)samples[d].Keyset),
            (Row("key range", d), (IReadOnlyList<double>)samples[d].KeyRange),
            (Row("offset", d), (IReadOnlyList<double>)samples[d].Offset),
        }));
        result.Tables.Add(table);

        var deepest = depths[^1];
        var keysetDeep = Stats.Of(samples[deepest].Keyset).Median;
        var offsetDeep = Stats.Of(samples[deepest].Offset).Median;
        var keyRangeDeep = Stats.Of(samples[deepest].KeyRange).Median;
        var keysetFirst = Stats.Of(samples[0].Keyset).Median;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{name}, last slice: offset {offsetDeep:0.0} ms, keyset {keysetDeep:0.0} ms ({offsetDeep / keysetDeep:0.00}x faster than offset), key range {keyRangeDeep:0.0} ms ({offsetDeep / keyRangeDeep:0.00}x faster than offset); keyset's last slice takes {keysetDeep / keysetFirst:0.00}x its first, key range's {keyRangeDeep / Stats.Of(samples[0].KeyRange).Median:0.00}x{vacuumed}"));
        var json = new JsonObject();
        foreach (var depth in depths)
        {
            json[depth.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["offsetRows"] = (long)depth * size,
                ["keysetMsMedian"] = Report.Number(Stats.Of(samples[depth].Keyset).Median),
                ["keyRangeMsMedian"] = Report.Number(Stats.Of(samples[depth].KeyRange).Median),
                ["offsetMsMedian"] = Report.Number(Stats.Of(samples[depth].Offset).Median),
            };
        }

        result.Extra[name] = json;
    }

    /// <summary>Reads one window as a worker does and returns the milliseconds it took.</summary>
    private static async Task<double> ReadAsync(BenchNumbers source, SliceWindow window, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long count = 0;
        await foreach (var _ in source.ReadAsync(window, cancellationToken))
        {
            count++;
        }

        // Exact for every paging here: the ids are 1 .. rows without gaps, so a key range of `limit` keys holds `limit` rows.
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return count == window.Limit ? elapsed : throw new InvalidOperationException($"read {count} rows of window {window}");
    }

    /// <summary>
    /// bench_numbers (id, value) with ids 1 .. rows. PostgreSQL's is vacuumed until every page is all-visible, so that
    /// the key index answers alone; returns what the visibility map holds, for the summary (empty for SQLite).
    /// </summary>
    private static async Task<string> FillAsync(SqlDatabase database, string name, int rows)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        async Task ExecuteAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
        }

        var postgres = name == "PostgreSQL";
        if (postgres)
        {
            // VACUUM marks a page all-visible only once its rows' inserting transaction is hinted committed, which
            // waits for the commit to reach the WAL on disk: with synchronous_commit off (the local test cluster), a
            // VACUUM right after the insert would find it not yet flushed and leave relallvisible at 0.
            await ExecuteAsync("SET synchronous_commit = on");
        }

        await ExecuteAsync("DROP TABLE IF EXISTS bench_numbers");
        await ExecuteAsync("CREATE TABLE bench_numbers (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
        await ExecuteAsync(string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO bench_numbers (id, value) WITH RECURSIVE n(x) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) SELECT x, x * 7919 % 1009 FROM n"));
        if (!postgres)
        {
            await ExecuteAsync("ANALYZE bench_numbers");
            return "";
        }

        await ExecuteAsync("VACUUM ANALYZE bench_numbers");
        var (visible, pages) = await VisibilityAsync(connection);
        if (visible < pages)
        {
            await ExecuteAsync("VACUUM bench_numbers");
            (visible, pages) = await VisibilityAsync(connection);
        }

        return visible < pages
            ? string.Create(CultureInfo.InvariantCulture, $"; NOT fully vacuumed, {visible:#,0} of {pages:#,0} pages all-visible: keyset's index-only scans fetch rows from the heap")
            : string.Create(CultureInfo.InvariantCulture, $"; vacuumed, {visible:#,0} of {pages:#,0} pages all-visible");
    }

    /// <summary>How many of bench_numbers' pages the visibility map marks all-visible, and how many it has (pg_class).</summary>
    private static async Task<(long Visible, long Pages)> VisibilityAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT relallvisible, relpages FROM pg_class WHERE oid = 'bench_numbers'::regclass";
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture))
            : throw new InvalidOperationException("pg_class has no row for bench_numbers");
    }

    private static async Task PostgresAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The benchmark table's values, read with the paging asked for.</summary>
    private sealed class BenchNumbers(SqlDatabase database, SqlPaging paging)
        : SqlTableDataSource<long>(database, new SqlTable("bench_numbers", "value") { KeyColumn = "id", Paging = paging });
}
