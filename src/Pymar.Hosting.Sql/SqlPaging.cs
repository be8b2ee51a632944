namespace Pymar.Hosting.Sql;

/// <summary>How a worker finds the rows of its slice's window <c>[offset, offset + limit)</c> in the table.</summary>
public enum SqlPaging
{
    /// <summary><see cref="Keyset"/> when the table names a <see cref="SqlTable.KeyColumn"/>, else <see cref="Offset"/>.</summary>
    Auto,

    /// <summary>
    /// A key range: the worker finds the key at its window's offset from the key column alone (an index-only scan on
    /// PostgreSQL, which never reads the rows before the window), then reads
    /// <c>WHERE key &gt;= that key ORDER BY key LIMIT limit</c>, an index range scan of only the window's rows. Exact
    /// whatever gaps the keys have; finding the key still steps over <c>offset</c> index entries, so a slice deep in
    /// the table costs more than the first (see <see cref="DenseKey"/> for keys without gaps). Needs
    /// <see cref="SqlTable.KeyColumn"/>.
    /// </summary>
    Keyset,

    /// <summary>
    /// A key range found without reading the rows before it: the key is an integer whose values are exactly
    /// <c>min, min + 1, …, min + count − 1</c> (an identity column no row was deleted from), so a window is
    /// <c>WHERE key &gt;= min + offset AND key &lt; min + offset + limit</c>, with <c>min</c> from the key's index.
    /// Each slice costs only its own rows however deep it lies. The producer checks the promise when it reads the
    /// length (<c>max − min + 1 = count</c>) and fails with a <see cref="PymarConfigurationException"/> when the keys
    /// have gaps: use <see cref="Keyset"/> then. Needs <see cref="SqlTable.KeyColumn"/>.
    /// </summary>
    DenseKey,

    /// <summary>
    /// <c>ORDER BY key LIMIT limit OFFSET offset</c> (Pymar's SQL plugin), ordered by the key column or, without
    /// one, by every selected column. The database reads and discards every row before the window.
    /// </summary>
    Offset,
}
