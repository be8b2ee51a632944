using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pymar.Hosting.Sql;

/// <summary>
/// A data source over the rows of a relational table, read through ADO.NET: the producer reads the length, and each
/// worker opens its own connection and reads only its slice's rows, asynchronously and with cancellation; what the
/// length and a slice's rows are depends on <see cref="SqlTable.Paging"/> (see <see cref="SqlPaging"/>). Derive from
/// it with the table and register the derived type with <c>AddDataSource&lt;T&gt;()</c>; workers build it through
/// dependency injection:
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
/// <para>
/// With a <see cref="SqlTable.KeyColumn"/> the default is <see cref="SqlPaging.KeyRange"/>, where a slice can hold
/// fewer rows than its window's limit, even none: a producer's <c>Map</c> and <c>Reduce</c> must accept a slice of
/// any size.
/// </para>
/// <para>
/// A table or column that does not exist, a <see cref="SqlPaging.KeyRange"/> key that is not an integer, or a database
/// the producer cannot open, is a <see cref="PymarConfigurationException"/> when the producer reads the length; a
/// database a worker cannot read fails that slice with the provider's error, which the producer receives as a
/// <see cref="SliceFailedException"/>.
/// </para>
/// </remarks>
public abstract class SqlTableDataSource<TItem> : AsyncDataSource<TItem>
{
    private const string KeyRangeAdvice = "Use SqlPaging.Keyset for a key that is not an integer.";
    private readonly Func<DbDataReader, TItem>? _readItem;
    private SqlQueries? _queries;
    private Func<DbDataReader, TItem>? _defaultReadItem;

    /// <summary>Creates the data source over <paramref name="table"/> of <paramref name="database"/>.</summary>
    /// <param name="database">The database, usually taken as <c>[FromKeyedServices("name")] SqlDatabase</c>.</param>
    /// <param name="table">The table, its columns and its key.</param>
    /// <param name="readItem">Builds an item from the current row (columns at ordinals 0, 1, … in <see cref="SqlTable.Columns"/> order); null for the default.</param>
    /// <exception cref="PymarConfigurationException">Key-range or keyset paging is asked for without a key column.</exception>
    protected SqlTableDataSource(SqlDatabase database, SqlTable table, Func<DbDataReader, TItem>? readItem = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(table);
        if (table.Paging is SqlPaging.KeyRange or SqlPaging.Keyset && table.KeyColumn is null)
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

    private string ReadsByKeyRanges => $"SQL data source '{Name}' reads table {Table} by key ranges (SqlPaging.KeyRange)";

    /// <summary>
    /// The length the slices cut (the key's span or the number of rows, see <see cref="SqlPaging"/>). First checks that
    /// the table and every named column exist.
    /// </summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="PymarConfigurationException">
    /// The database cannot be opened, the table or a column does not exist, the count query fails, or a
    /// <see cref="SqlPaging.KeyRange"/> key is not an integer column.
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
            throw new PymarConfigurationException($"SQL data source '{Name}' cannot open database '{Database.Name}' to read the length of {Table}: {ex.Message}", ex);
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

            return queries.KeyBounds is { } keyBounds
                ? await ReadKeySpanAsync(connection, keyBounds, cancellationToken).ConfigureAwait(false)
                : await CountAsync(connection, queries.Count!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the rows of <paramref name="window"/> (see <see cref="SqlPaging"/>) on its own connection, in key order
    /// when the table has a key. A window of numbered rows that are not all there fails the read: the table changed
    /// while the job ran.
    /// </summary>
    /// <param name="window">The slice's window, of key values or of ordered rows.</param>
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

                    // Numbered rows are exact; a key range may hold fewer (SqlPaging.KeyRange).
                    if (queries.WindowIsExact && read != window.Limit)
                    {
                        throw new PymarException(string.Create(CultureInfo.InvariantCulture,
                            $"SQL data source '{Name}' read {read} rows for slice {window} of {Table} in database '{Database.Name}', not {window.Limit}. The table changed while the job ran, or its count query disagrees with its rows."));
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

    /// <summary>The number of rows, from <see cref="SqlTable.CountQuery"/> or <c>count(*)</c>.</summary>
    private async Task<long> CountAsync(DbConnection connection, string countQuery, CancellationToken cancellationToken)
    {
        object? count;
        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = countQuery;
                count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbException ex)
        {
            throw new PymarConfigurationException($"SQL data source '{Name}' cannot count the rows of {Table} in database '{Database.Name}' ({countQuery}): {ex.Message}", ex);
        }

        return count is null or DBNull
            ? throw new PymarConfigurationException($"SQL data source '{Name}': the count query of {Table} returned no value ({countQuery}).")
            : Convert.ToInt64(count, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The length of <see cref="SqlPaging.KeyRange"/> (the key's span); fails when the keys are not integers or their
    /// span does not fit 64-bit windows.
    /// </summary>
    private async Task<long> ReadKeySpanAsync(DbConnection connection, string keyBounds, CancellationToken cancellationToken)
    {
        object? least = null, greatest = null;
        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = keyBounds;
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0) && !reader.IsDBNull(1))
                    {
                        least = reader.GetValue(0);
                        greatest = reader.GetValue(1);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is DbException or InvalidCastException or OverflowException)
        {
            // PostgreSQL has no min() of a uuid or a boolean, and a numeric may not fit a decimal.
            throw new PymarConfigurationException(
                $"{ReadsByKeyRanges}, but cannot read the least and greatest values of key column {Table.KeyColumn} in database '{Database.Name}': {ex.Message} {KeyRangeAdvice}", ex);
        }

        if (least is null || greatest is null)
        {
            return 0;
        }

        if (AsInteger(least) is not { } min || AsInteger(greatest) is not { } max)
        {
            var value = AsInteger(least) is null ? least : greatest;
            throw new PymarConfigurationException($"{ReadsByKeyRanges}, but key column {Table.KeyColumn} holds {Describe(value)}. {KeyRangeAdvice}");
        }

        // The last window's upper bound, min + span = max + 1, must still be a 64-bit integer in the database.
        var span = (Int128)max - min + 1;
        if (span > long.MaxValue || max == long.MaxValue)
        {
            throw new PymarConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"SQL data source '{Name}': key column {Table.KeyColumn} of table {Table} runs from {min} to {max}, too wide for 64-bit key ranges (the greatest key must be below {long.MaxValue}). Use SqlPaging.Keyset."));
        }

        return (long)span;
    }

    /// <summary>The value as a 64-bit integer when it is an integer of any provider type; otherwise null.</summary>
    private static long? AsInteger(object value) => value switch
    {
        long l => l,
        int i => i,
        short s => s,
        sbyte b => b,
        byte b => b,
        ushort s => s,
        uint i => i,
        ulong l when l <= long.MaxValue => (long)l,
        decimal d when d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue => (long)d,
        _ => null,
    };

    private static string Describe(object value) => value switch
    {
        decimal d when d != decimal.Truncate(d) => "Decimal values with a fraction",
        decimal or ulong => "integers beyond 64 bits",
        _ => value.GetType().Name + " values",
    };

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
