namespace Pymar.Hosting.Sql;

/// <summary>How a worker finds the rows of its slice's window <c>[offset, offset + limit)</c> in the table.</summary>
/// <remarks>
/// This is where the paging rules are stated; the rest of the package points here. <see cref="KeyRange"/> windows
/// number key values; <see cref="Keyset"/> and <see cref="Offset"/> windows number the rows in order (the length is
/// the row count and a slice holds exactly its window's limit). In every mode each row is read by exactly one slice.
/// </remarks>
public enum SqlPaging
{
    /// <summary><see cref="KeyRange"/> when the table names a <see cref="SqlTable.KeyColumn"/>, else <see cref="Offset"/>.</summary>
    Auto,

    /// <summary>
    /// The key-range rule. Key ranges over an integer key (any integer type): the data source's length is the key's span
    /// <c>max(key) − min(key) + 1</c> (0 for an empty table), not the row count, and the window
    /// <c>[offset, offset + limit)</c> is the rows <c>WHERE key &gt;= min + offset AND key &lt; min + offset + limit</c>,
    /// with <c>min</c> read from the key's index. Each slice is one index range scan of its own rows, however deep it
    /// lies. Gaps in the keys are fine: the slices partition the key space, so every row is read exactly once, but a
    /// slice holds fewer rows than its window's limit where keys are missing (none at all in a long gap), and slices
    /// hold about the same number of rows only when the keys are roughly evenly spread. The producer reads the
    /// least and greatest key when it reads the length and fails with a <see cref="PymarConfigurationException"/>
    /// when they are not integers: use <see cref="Keyset"/> for a key that is not an integer. Needs
    /// <see cref="SqlTable.KeyColumn"/>; <see cref="SqlTable.CountQuery"/> is not used.
    /// </summary>
    KeyRange,

    /// <summary>
    /// For an ordered unique key of any type (text, uuid, …): the worker finds the key at its window's offset with
    /// <c>SELECT key … ORDER BY key LIMIT 1 OFFSET offset</c>, then reads
    /// <c>WHERE key &gt;= that key ORDER BY key LIMIT limit</c>. Exact whatever gaps the keys have, and every slice
    /// holds exactly its window's limit of rows, but finding the first key steps over <c>offset</c> index entries, so
    /// a slice deep in the table costs more than the first (on PostgreSQL the step is an index-only scan only when
    /// the table is vacuumed, else it also reads the rows it steps over). Prefer <see cref="KeyRange"/> for an
    /// integer key. Needs <see cref="SqlTable.KeyColumn"/>.
    /// </summary>
    Keyset,

    /// <summary>
    /// <c>ORDER BY key LIMIT limit OFFSET offset</c>, ordered by the key column or, without one, by every selected
    /// column. The database reads and discards every row before the window, so deep slices cost the most.
    /// </summary>
    Offset,
}
