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
/// sql: keyset, dense-key and offset paging of <see cref="SqlTableDataSource{TItem}"/> over a table of 10^6 rows, in SQLite
/// and in PostgreSQL: the time a worker takes to read one slice's rows, as the slice moves deeper into the table.
/// Each read is what a worker does for a slice (open a connection, query, read every row into an item), alternately
/// keyset and offset, after a warm-up read of the whole table.
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
            $"time to read one slice of a {rows:#,0}-row table cut into {Slices} slices ({rows / Slices:#,0} rows each), by the slice's depth; keyset (WHERE id >= (key at offset) ORDER BY id LIMIT n), dense key (WHERE id >= min + m AND id < min + m + n) and offset (ORDER BY id LIMIT n OFFSET m); {rounds} reads each, alternately"));

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
        await FillAsync(database, name, rows);
        var keyset = new BenchNumbers(database, SqlPaging.Keyset);
        var dense = new BenchNumbers(database, SqlPaging.DenseKey);
        var offset = new BenchNumbers(database, SqlPaging.Offset);
        var size = rows / Slices;
        var depths = new[] { 0, 1, Slices / 4, Slices / 2, 3 * Slices / 4, Slices - 1 }.Distinct().ToArray();

        // Warm-up: the whole table once through each paging (caches, JIT, connection pool).
        await ReadAsync(keyset, new SliceWindow(0, rows), context.Cancellation);
        await ReadAsync(dense, new SliceWindow(0, rows), context.Cancellation);
        await ReadAsync(offset, new SliceWindow(0, rows), context.Cancellation);

        var samples = depths.ToDictionary(d => d, _ => (Keyset: new List<double>(), Dense: new List<double>(), Offset: new List<double>()));
        for (var round = 0; round < rounds; round++)
        {
            foreach (var depth in depths)
            {
                var window = new SliceWindow((long)depth * size, size);
                samples[depth].Keyset.Add(await ReadAsync(keyset, window, context.Cancellation));
                samples[depth].Dense.Add(await ReadAsync(dense, window, context.Cancellation));
                samples[depth].Offset.Add(await ReadAsync(offset, window, context.Cancellation));
            }
        }

        string Row(string paging, int depth) => string.Create(CultureInfo.InvariantCulture, $"{paging}, slice {depth + 1} of {Slices} (offset {(long)depth * size:#,0})");
        var table = new ResultTable($"{name}: one slice of {size:#,0} rows", "ms", Row("keyset", 0), "median / keyset slice 1 median");
        table.AddAll(depths.SelectMany(d => new[]
        {
            (Row("keyset", d), (IReadOnlyList<double>)samples[d].Keyset),
            (Row("dense key", d), (IReadOnlyList<double>)samples[d].Dense),
            (Row("offset", d), (IReadOnlyList<double>)samples[d].Offset),
        }));
        result.Tables.Add(table);

        var deepest = depths[^1];
        var keysetDeep = Stats.Of(samples[deepest].Keyset).Median;
        var offsetDeep = Stats.Of(samples[deepest].Offset).Median;
        var denseDeep = Stats.Of(samples[deepest].Dense).Median;
        var keysetFirst = Stats.Of(samples[0].Keyset).Median;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{name}, last slice: offset {offsetDeep:0.0} ms, keyset {keysetDeep:0.0} ms ({offsetDeep / keysetDeep:0.00}x faster than offset), dense key {denseDeep:0.0} ms ({offsetDeep / denseDeep:0.00}x faster than offset); keyset's last slice takes {keysetDeep / keysetFirst:0.00}x its first, dense key's {denseDeep / Stats.Of(samples[0].Dense).Median:0.00}x"));
        var json = new JsonObject();
        foreach (var depth in depths)
        {
            json[depth.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["offsetRows"] = (long)depth * size,
                ["keysetMsMedian"] = Report.Number(Stats.Of(samples[depth].Keyset).Median),
                ["denseKeyMsMedian"] = Report.Number(Stats.Of(samples[depth].Dense).Median),
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

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return count == window.Limit ? elapsed : throw new InvalidOperationException($"read {count} rows of window {window}");
    }

    /// <summary>bench_numbers (id, value) with ids 1 .. rows; PostgreSQL is vacuumed so that the key index answers alone.</summary>
    private static async Task FillAsync(SqlDatabase database, string name, int rows)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        async Task ExecuteAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
        }

        await ExecuteAsync("DROP TABLE IF EXISTS bench_numbers");
        await ExecuteAsync("CREATE TABLE bench_numbers (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
        await ExecuteAsync(string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO bench_numbers (id, value) WITH RECURSIVE n(x) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) SELECT x, x * 7919 % 1009 FROM n"));
        await ExecuteAsync(name == "PostgreSQL" ? "VACUUM ANALYZE bench_numbers" : "ANALYZE bench_numbers");
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
