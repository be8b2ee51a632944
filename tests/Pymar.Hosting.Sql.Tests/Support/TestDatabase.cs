using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pymar.Hosting.Sql.Tests.Support;

/// <summary>
/// A database of one test, isolated from the others: a fresh SQLite file, or a fresh schema of the local PostgreSQL
/// (<c>./deploy/postgres/start-local.sh</c>; <c>PYMAR_TEST_POSTGRES</c> overrides its connection string) that the
/// connection string puts first on the search path. A PostgreSQL test fails, never skips, when the server is not there.
/// </summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgres";

    public static readonly string PostgresConnectionString =
        Environment.GetEnvironmentVariable("PYMAR_TEST_POSTGRES") is { Length: > 0 } configured
            ? configured
            : "Host=127.0.0.1;Port=5433;Username=pymar;Password=pymar;Database=pymar;Timeout=10";

    /// <summary>Both databases, for theories.</summary>
    public static TheoryData<string> Kinds => new() { Sqlite, PostgreSql };

    /// <summary><see cref="Sqlite"/> or <see cref="PostgreSql"/>.</summary>
    public abstract string Kind { get; }

    /// <summary>The connection string of this test's database.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>A connection string of the same provider that no worker can open.</summary>
    public abstract string UnreachableConnectionString { get; }

    public abstract DbProviderFactory Provider { get; }

    public static async Task<TestDatabase> CreateAsync(string kind)
    {
        TestDatabase database = kind switch
        {
            Sqlite => new SqliteTestDatabase(),
            PostgreSql => new PostgresTestDatabase(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        await database.InitializeAsync();
        return database;
    }

    public DbDataSource CreateDataSource() => Provider.CreateDataSource(ConnectionString);

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var dataSource = CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes rows by key in one transaction (a prepared statement per key).</summary>
    public async Task DeleteAsync(string table, string keyColumn, IEnumerable<long> keys)
    {
        await using var dataSource = CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM {table} WHERE {keyColumn} = @key";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@key";
        parameter.DbType = System.Data.DbType.Int64;
        command.Parameters.Add(parameter);
        foreach (var key in keys)
        {
            parameter.Value = key;
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public abstract ValueTask DisposeAsync();

    protected abstract Task InitializeAsync();

    private sealed class SqliteTestDatabase : TestDatabase
    {
        private readonly string _file = Path.Combine(Path.GetTempPath(), "pymar-sql-tests", Guid.NewGuid().ToString("N") + ".sqlite");

        public override string Kind => Sqlite;

        public override string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _file }.ToString();

        public override string UnreachableConnectionString => new SqliteConnectionStringBuilder { DataSource = "/nonexistent/pymar/tests.sqlite" }.ToString();

        public override DbProviderFactory Provider => SqliteFactory.Instance;

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            File.Delete(_file);
            return ValueTask.CompletedTask;
        }

        protected override Task InitializeAsync()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            return Task.CompletedTask;
        }
    }

    private sealed class PostgresTestDatabase : TestDatabase
    {
        private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..16];

        public override string Kind => PostgreSql;

        public override string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresConnectionString) { SearchPath = _schema }.ToString();

        public override string UnreachableConnectionString => new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Port = 1, Timeout = 5 }.ToString();

        public override DbProviderFactory Provider => NpgsqlFactory.Instance;

        public override async ValueTask DisposeAsync()
        {
            await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionString);
            await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
            await command.ExecuteNonQueryAsync();
        }

        protected override async Task InitializeAsync()
        {
            try
            {
                await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionString);
                await using var command = dataSource.CreateCommand($"CREATE SCHEMA {_schema}");
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException ex)
            {
                var where = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
                throw new InvalidOperationException(
                    $"PostgreSQL does not let {where.Username} use database {where.Database} on {where.Host}:{where.Port} ({ex.Message}). " +
                    "These tests need it: run ./deploy/postgres/start-local.sh (./deploy/test.sh runs it before the tests), or set PYMAR_TEST_POSTGRES.", ex);
            }
        }
    }
}
