using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Sql;

namespace Pymar.Examples.Sql;

/// <summary>
/// The table <c>pymar_numbers (id, value)</c> holding 0 .. 10^6 − 1. Its integer key makes the default paging
/// <see cref="SqlPaging.KeyRange"/>: each worker reads its slice as the key range
/// <c>id &gt;= min + offset AND id &lt; min + offset + limit</c>, one index range scan however deep the slice lies.
/// </summary>
/// <param name="database">The examples' database, built on each worker from its own configuration.</param>
public sealed class NumbersTable([FromKeyedServices(SqlExamples.DatabaseName)] SqlDatabase database)
    : SqlTableDataSource<long>(database, Definition)
{
    /// <summary>How many rows the example fills in.</summary>
    public const long Count = 1_000_000;

    /// <summary>The table, its item column and its key.</summary>
    public static SqlTable Definition { get; } = new("pymar_numbers", "value") { KeyColumn = "id" };
}
