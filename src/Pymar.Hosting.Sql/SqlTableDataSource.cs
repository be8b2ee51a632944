using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pymar.Hosting.Sql;

/// <summary>
/// A data source over the rows of a relational table, read through ADO.NET: the length is <c>count(*)</c> (or
/// <see cref="SqlTable.CountQuery"/>) on the producer, and each worker opens its own connection and reads only its
/// slice's rows, asynchronously and with cancellation. Derive from it with the table and register the derived type
/// with <c>AddDataSource&lt;T&gt;()</c>; workers build it through dependency injection:
/// <code>
/// public sealed class NumbersTable([FromKeyedServices("Numbers")] SqlDatabase database)
///     : SqlTableDataSource&lt;long&gt;(database, new SqlTable("numbers", "value") { KeyColumn = "id" });
/// </code>
/// </summary>
/// <typeparam name="TItem">
/// The items. Unless <see cref="ReadItem"/> is overridden or a delegate is given, one column is read as the item
/// (<c>long</c>, <c>string</c>, …) or the columns are passed in order to the item type's one public constructor with
/// as many parameters (a positional record or a tuple).
/// </typeparam>
/// <remarks>
/// With a <see cref="SqlTable.KeyColumn"/>, a slice's rows are a key range whose lower bound the worker finds from the
/// key's index (<see cref="SqlPaging.Keyset"/>), or computes at once for an integer key without gaps
/// (<see cref="SqlPaging.DenseKey"/>); without, <c>LIMIT</c>/<c>OFFSET</c> over the rows ordered by every column. A table or column that does not exist, or a database the producer cannot open, is a
/// <see cref="PymarConfigurationException"/> when the producer reads the length; a database a worker cannot read fails
/// that slice with the provider's error, which the producer receives as a <see cref="SliceFailedException"/>.
/// </remarks>
public abstract class SqlTableDataSource<TItem> : AsyncDataSource<TItem>
{
    private readonly Func<DbDataReader, TItem>? _readItem;
    private SqlQueries? _queries;
    private Func<DbDataReader, TItem>? _defaultReadItem;

    /// <summary>Creates the data source over <paramref name="table"/> of <paramref name="database"/>.</summary>
    /// <param name="database">The database, usually taken as <c>[FromKeyedServices("name")] SqlDatabase</c>.</param>
    /// <param name="table">The table, its columns and its key.</param>
    /// <param name="readItem">Builds an item from the current row (columns at ordinals 0, 1, … in <see cref="SqlTable.Columns"/> order); null for the default.</param>
    /// <exception cref="PymarConfigurationException">Keyset paging is asked for without a key column.</exception>
    protected SqlTableDataSource(SqlDatabase database, SqlTable table, Func<DbDataReader, TItem>? readItem = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(table);
        if (table.Paging is SqlPaging.Keyset or SqlPaging.DenseKey && table.KeyColumn is null)
        {
            throw new PymarConfigurationException($"SQL data source '{GetType().Name}' asks for {table.Paging} paging over {table}, which names no KeyColumn.");
        }

        Database = database;
        Table = table;
        _readItem = readItem;
    }

    /// <summary>The database the table is in.</summary>
    public SqlDatabase Database { get; }

    /// <summary>The table, its columns and its key.</summary>
    public SqlTable Table { get; }

    private SqlQueries Queries => _queries ??= new SqlQueries(Table, Database.Dialect);

    private string Name => GetType().Name;

    /// <summary>Counts the table's rows; first checks that the table and every named column exist.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="PymarConfigurationException">
    /// The database cannot be opened, the table or a column does not exist, or the count query fails.
    /// </exception>
    public override async ValueTask<long> GetLengthAsync(CancellationToken cancellationToken = default)
    {
        CheckItemReader();
        var queries = Queries;
        DbConnection connection;
        try
        {
            connection = await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PymarConfigurationException($"SQL data source '{Name}' cannot open database '{Database.Name}' to count the rows of {Table}: {ex.Message}", ex);
        }

        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await ExecuteNonQueryAsync(connection, queries.Probe, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                var key = Table.KeyColumn is null ? "" : $"; key {Table.KeyColumn}";
                throw new PymarConfigurationException(
                    $"SQL data source '{Name}': table {Table} or one of its columns ({string.Join(", ", Table.Columns)}{key}) does not exist or cannot be read in database '{Database.Name}': {ex.Message}", ex);
            }

            object? count;
            try
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = queries.Count;
                    count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DbException ex)
            {
                throw new PymarConfigurationException($"SQL data source '{Name}' cannot count the rows of {Table} in database '{Database.Name}' ({queries.Count}): {ex.Message}", ex);
            }

            if (count is null or DBNull)
            {
                throw new PymarConfigurationException($"SQL data source '{Name}': the count query of {Table} returned no value ({queries.Count}).");
            }

            var length = Convert.ToInt64(count, CultureInfo.InvariantCulture);
            if (queries.DenseCheck is { } denseCheck)
            {
                await CheckDenseAsync(connection, denseCheck, length, cancellationToken).ConfigureAwait(false);
            }

            return length;
        }
    }

    /// <summary>
    /// Reads the rows of <paramref name="window"/> on its own connection. Fails when the table holds fewer rows than
    /// the window, which means it changed while the job ran.
    /// </summary>
    /// <param name="window">The slice's window of the ordered rows.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="PymarException">The database cannot be opened or read, or the window is not all there.</exception>
    public override async IAsyncEnumerable<TItem> ReadAsync(SliceWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (window.Limit <= 0)
        {
            yield break;
        }

        var queries = Queries;
        var connection = await OpenForSliceAsync(window, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                var fromStart = window.Offset == 0 && queries.HasReadFromStart;
                command.CommandText = fromStart ? queries.ReadFromStart : queries.Read;
                AddParameter(command, queries.LimitParameter, window.Limit);
                if (!fromStart)
                {
                    AddParameter(command, queries.OffsetParameter, window.Offset);
                }

                var reader = await ExecuteForSliceAsync(command, window, cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    long read = 0;
                    while (await NextRowAsync(reader, window, cancellationToken).ConfigureAwait(false))
                    {
                        yield return ReadItem(reader);
                        read++;
                    }

                    if (read != window.Limit)
                    {
                        throw new PymarException(string.Create(CultureInfo.InvariantCulture,
                            $"SQL data source '{Name}' read {read} rows for slice {window} of {Table} in database '{Database.Name}', which should hold {window.Limit}: did the table change while the job ran, or does its count query disagree with its rows?"));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Builds an item from the current row of <paramref name="row"/>, whose columns are <see cref="SqlTable.Columns"/>
    /// at ordinals 0, 1, …. The default uses the delegate given to the constructor, else reads the columns as
    /// described on <typeparamref name="TItem"/>.
    /// </summary>
    /// <param name="row">The reader, positioned on a row.</param>
    protected virtual TItem ReadItem(DbDataReader row) =>
        (_readItem ?? (_defaultReadItem ??= SqlRowMapper<TItem>.For(Table.Columns.Count, Name)))(row);

    /// <summary>Checks the promise of <see cref="SqlPaging.DenseKey"/> (the keys are min .. min + length − 1) at the producer.</summary>
    private async Task CheckDenseAsync(DbConnection connection, string denseCheck, long length, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = denseCheck;
            long? min = null, max = null;
            try
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
                    {
                        min = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                        max = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception ex) when (ex is DbException or FormatException or InvalidCastException or OverflowException)
            {
                throw new PymarConfigurationException($"SQL data source '{Name}' asks for DenseKey paging, but the key {Table.KeyColumn} of {Table} is not an integer column ({ex.Message}).", ex);
            }

            var span = min is { } first && max is { } last ? last - first + 1 : 0;
            if (span != length)
            {
                throw new PymarConfigurationException(string.Create(CultureInfo.InvariantCulture,
                    $"SQL data source '{Name}' asks for DenseKey paging, but the key {Table.KeyColumn} of {Table} has gaps: {length} rows with keys from {min} to {max}. Use SqlPaging.Keyset, which is exact with gaps."));
            }
        }
    }

    /// <summary>Fails at the producer, before any slice runs, when items cannot be built from the columns by default.</summary>
    private void CheckItemReader()
    {
        var readItem = GetType().GetMethod(nameof(ReadItem), BindingFlags.Instance | BindingFlags.NonPublic, [typeof(DbDataReader)]);
        if (_readItem is null && readItem?.DeclaringType == typeof(SqlTableDataSource<TItem>))
        {
            _defaultReadItem ??= SqlRowMapper<TItem>.For(Table.Columns.Count, Name);
        }
    }

    // The three steps of a slice's read give a database error the slice's context; cancellation passes as it is.
    private async ValueTask<DbConnection> OpenForSliceAsync(SliceWindow window, CancellationToken cancellationToken)
    {
        try
        {
            return await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw SliceError(window, "cannot open database", ex);
        }
    }

    private async ValueTask<DbDataReader> ExecuteForSliceAsync(DbCommand command, SliceWindow window, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw SliceError(window, "cannot query database", ex);
        }
    }

    private async ValueTask<bool> NextRowAsync(DbDataReader reader, SliceWindow window, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw SliceError(window, "cannot read from database", ex);
        }
    }

    private PymarException SliceError(SliceWindow window, string what, Exception error) =>
        new($"SQL data source '{Name}' {what} '{Database.Name}' for slice {window} of {Table}: {error.Message}", error);

    private static async Task ExecuteNonQueryAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void AddParameter(DbCommand command, string name, long value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = DbType.Int64;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
