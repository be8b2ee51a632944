using System.Globalization;

namespace Pymar.Hosting.Sql;

/// <summary>
/// The SQL texts of one table, built once from quoted identifiers and parameter names only: nothing a slice message
/// carries is ever part of them (the window's offset and limit are parameters).
/// </summary>
internal sealed class SqlQueries
{
    public SqlQueries(SqlTable table, SqlDialect dialect)
    {
        var from = (table.Schema is null ? "" : dialect.QuoteIdentifier(table.Schema) + ".") + dialect.QuoteIdentifier(table.Name);
        var columns = string.Join(", ", table.Columns.Select(dialect.QuoteIdentifier));
        var key = table.KeyColumn is null ? null : dialect.QuoteIdentifier(table.KeyColumn);
        LimitParameter = dialect.ParameterName("limit");
        OffsetParameter = dialect.ParameterName("offset");
        Paging = table.EffectivePaging;

        // Reads no row, but makes the database resolve the table and every column (and the key).
        Probe = string.Create(CultureInfo.InvariantCulture, $"SELECT {columns}{(key is null ? "" : ", " + key)} FROM {from} WHERE 1 = 0");
        Count = Paging == SqlPaging.KeyRange ? null : table.CountQuery ?? string.Create(CultureInfo.InvariantCulture, $"SELECT count(*) FROM {from}");
        if (Paging == SqlPaging.KeyRange)
        {
            // The key-range rule (SqlPaging.KeyRange): the window [offset, offset + limit) is the keys from min + offset.
            var min = string.Create(CultureInfo.InvariantCulture, $"(SELECT min({key}) FROM {from})");
            KeyBounds = string.Create(CultureInfo.InvariantCulture, $"SELECT min({key}), max({key}) FROM {from}");
            Read = string.Create(CultureInfo.InvariantCulture,
                $"SELECT {columns} FROM {from} WHERE {key} >= {min} + {OffsetParameter} AND {key} < {min} + {OffsetParameter} + {LimitParameter} ORDER BY {key}");
            ReadFromStart = Read;
        }
        else if (Paging == SqlPaging.Keyset)
        {
            // SqlPaging.Keyset: the key at the window's offset from the key's index, then one index range scan.
            var keyAtOffset = string.Create(CultureInfo.InvariantCulture, $"SELECT {key} FROM {from} ORDER BY {key} {dialect.LimitClause("1", OffsetParameter)}");
            ReadFromStart = string.Create(CultureInfo.InvariantCulture, $"SELECT {columns} FROM {from} ORDER BY {key} {dialect.LimitClause(LimitParameter, null)}");
            Read = string.Create(CultureInfo.InvariantCulture, $"SELECT {columns} FROM {from} WHERE {key} >= ({keyAtOffset}) ORDER BY {key} {dialect.LimitClause(LimitParameter, null)}");
        }
        else
        {
            var order = key ?? columns;
            ReadFromStart = string.Create(CultureInfo.InvariantCulture, $"SELECT {columns} FROM {from} ORDER BY {order} {dialect.LimitClause(LimitParameter, null)}");
            Read = string.Create(CultureInfo.InvariantCulture, $"SELECT {columns} FROM {from} ORDER BY {order} {dialect.LimitClause(LimitParameter, OffsetParameter)}");
        }
    }

    public SqlPaging Paging { get; }

    public string LimitParameter { get; }

    public string OffsetParameter { get; }

    /// <summary>Checks that the table and its columns exist.</summary>
    public string Probe { get; }

    /// <summary>The number of rows, the length of <see cref="SqlPaging.Keyset"/> and <see cref="SqlPaging.Offset"/>; null for <see cref="SqlPaging.KeyRange"/>.</summary>
    public string? Count { get; }

    /// <summary>For <see cref="SqlPaging.KeyRange"/>: the key's least and greatest values, whose span is the length; otherwise null.</summary>
    public string? KeyBounds { get; }

    /// <summary>Whether a window at offset 0 is read with <see cref="ReadFromStart"/>, which takes no offset parameter.</summary>
    public bool HasReadFromStart => Paging != SqlPaging.KeyRange;

    /// <summary>Whether a window holds exactly its limit of rows (rows are numbered), not at most (<see cref="SqlPaging.KeyRange"/>: key values are).</summary>
    public bool WindowIsExact => Paging != SqlPaging.KeyRange;

    /// <summary>The rows of a window at offset 0 (parameter: limit).</summary>
    public string ReadFromStart { get; }

    /// <summary>The rows of a window (parameters: offset, limit).</summary>
    public string Read { get; }
}
