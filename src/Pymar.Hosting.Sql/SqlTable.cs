namespace Pymar.Hosting.Sql;

/// <summary>
/// The table a <see cref="SqlTableDataSource{TItem}"/> reads: its name, the columns that make an item, and
/// optionally an ordered unique key that lets each worker read its slice by a key range.
/// </summary>
/// <remarks>
/// Names are quoted by the database's <see cref="SqlDialect"/>, never spliced as SQL, and are checked against the
/// database when a job reads the length: a table or column that does not exist is a
/// <see cref="PymarConfigurationException"/> at the producer. The table must not change while a job runs.
/// </remarks>
public sealed class SqlTable
{
    /// <summary>Describes a table and the columns read for each item, in the order the item is built from.</summary>
    /// <param name="name">The table's name as the database spells it (quoted, so case matters).</param>
    /// <param name="columns">The columns of each item, at least one.</param>
    public SqlTable(string name, params IReadOnlyList<string> columns)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException($"Table '{name}' needs at least one column to read.", nameof(columns));
        }

        foreach (var column in columns)
        {
            ArgumentException.ThrowIfNullOrEmpty(column, nameof(columns));
        }

        Name = name;
        Columns = [.. columns];
    }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>The table's schema, or null for the connection's default (PostgreSQL's search path).</summary>
    public string? Schema { get; init; }

    /// <summary>The columns of each item, in order: a row reader sees them at ordinals 0, 1, ….</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>
    /// An ordered, unique, not-null column (a primary key, or a column with a unique index) that fixes the order of
    /// the rows and lets workers read key ranges. It need not be one of <see cref="Columns"/>. With one,
    /// <see cref="SqlPaging.Auto"/> is <see cref="SqlPaging.KeyRange"/> (see there), which needs an integer key; name
    /// <see cref="SqlPaging.Keyset"/> for a key that is not an integer. Without a key, rows are ordered by every column of <see cref="Columns"/> and read with <c>LIMIT</c>/<c>OFFSET</c>; rows
    /// equal in every column are then interchangeable, so the answer is the same.
    /// </summary>
    public string? KeyColumn { get; init; }

    /// <summary>
    /// How workers find their rows; <see cref="SqlPaging.Auto"/> uses key ranges (<see cref="SqlPaging.KeyRange"/>)
    /// when <see cref="KeyColumn"/> is set, else <see cref="SqlPaging.Offset"/>.
    /// </summary>
    public SqlPaging Paging { get; init; }

    /// <summary>
    /// A query whose single value is the number of rows, used instead of <c>SELECT count(*)</c> by
    /// <see cref="SqlPaging.Keyset"/> and <see cref="SqlPaging.Offset"/>: for instance a cheaper count the
    /// application keeps. It must equal the number of rows the workers read. <see cref="SqlPaging.KeyRange"/> does not
    /// use it.
    /// </summary>
    public string? CountQuery { get; init; }

    /// <summary>The paging that workers use: <see cref="Paging"/> with <see cref="SqlPaging.Auto"/> resolved.</summary>
    public SqlPaging EffectivePaging => Paging switch
    {
        SqlPaging.Auto => KeyColumn is null ? SqlPaging.Offset : SqlPaging.KeyRange,
        _ => Paging,
    };

    /// <inheritdoc />
    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}
