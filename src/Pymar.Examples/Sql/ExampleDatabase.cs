using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Pymar.Hosting;
using Pymar.Hosting.Sql;

namespace Pymar.Examples.Sql;

/// <summary>
/// Opens the SQL examples' database and fills its tables. The SQL is written once for SQLite and PostgreSQL alike;
/// only the producer fills tables, workers only read them.
/// </summary>
internal static partial class ExampleDatabase
{
    /// <summary>The SQLite file used when no connection string is configured.</summary>
    public static string DefaultSqliteFile => Path.Combine(Path.GetTempPath(), "pymar-examples.sqlite");

    /// <summary>The ADO.NET data source that <see cref="SqlExamples.ProviderKey"/> and the connection string name.</summary>
    public static DbDataSource CreateDataSource(IConfiguration configuration)
    {
        var provider = configuration[SqlExamples.ProviderKey];
        var connectionString = configuration.GetConnectionString(SqlExamples.DatabaseName);
        if (string.Equals(provider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(connectionString)
                ? throw new PymarConfigurationException($"{SqlExamples.ProviderKey} is PostgreSql but ConnectionStrings:{SqlExamples.DatabaseName} is not set (give --postgres <connection string>).")
                : NpgsqlFactory.Instance.CreateDataSource(connectionString);
        }

        if (!string.IsNullOrEmpty(provider) && !string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new PymarConfigurationException($"{SqlExamples.ProviderKey} is '{provider}': use Sqlite or PostgreSql.");
        }

        return SqliteFactory.Instance.CreateDataSource(string.IsNullOrWhiteSpace(connectionString)
            ? new SqliteConnectionStringBuilder { DataSource = DefaultSqliteFile }.ToString()
            : connectionString);
    }

    /// <summary>Makes <c>pymar_numbers</c> hold exactly (x, x) for x in 0 .. count − 1, refilling it when it does not.</summary>
    public static async Task EnsureNumbersAsync(SqlDatabase database, long count, CancellationToken cancellationToken)
    {
        var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS pymar_numbers (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
            var rows = await ScalarAsync(connection, "SELECT count(*) FROM pymar_numbers", cancellationToken).ConfigureAwait(false);
            var wrong = await ScalarAsync(connection, "SELECT count(*) FROM pymar_numbers WHERE id <> value OR id < 0 OR id >= " + count.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            if (rows == count && wrong == 0)
            {
                return;
            }

            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, "DELETE FROM pymar_numbers", cancellationToken).ConfigureAwait(false);
                // One statement that both databases run: a recursive CTE makes the numbers inside the database.
                await ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture,
                    $"INSERT INTO pymar_numbers (id, value) WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < {count - 1}) SELECT x, x FROM n"),
                    cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, null, "ANALYZE pymar_numbers", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The paragraphs of a text: the parts between blank lines, without the empty ones.</summary>
    public static IReadOnlyList<string> Paragraphs(string text) =>
        [.. BlankLines().Split(text).Select(p => p.Trim()).Where(p => p.Length > 0)];

    /// <summary>Replaces the rows of <c>pymar_documents</c> with <paramref name="documents"/>, ids 1, 2, ….</summary>
    public static async Task LoadDocumentsAsync(SqlDatabase database, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS pymar_documents (id INTEGER PRIMARY KEY, body TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, "DELETE FROM pymar_documents", cancellationToken).ConfigureAwait(false);
                var insert = connection.CreateCommand();
                await using (insert.ConfigureAwait(false))
                {
                    insert.Transaction = transaction;
                    insert.CommandText = "INSERT INTO pymar_documents (id, body) VALUES (@id, @body)";
                    var id = AddParameter(insert, "@id", DbType.Int32);
                    var body = AddParameter(insert, "@body", DbType.String);
                    for (var i = 0; i < documents.Count; i++)
                    {
                        id.Value = i + 1;
                        body.Value = documents[i];
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static DbParameter AddParameter(DbCommand command, string name, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = sql;
            command.CommandTimeout = 300;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"\r?\n[ \t]*\r?\n")]
    private static partial Regex BlankLines();
}
