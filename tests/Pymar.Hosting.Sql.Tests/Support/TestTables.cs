using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting.Sql.Tests.Support;

/// <summary>Which table a test's data sources read, registered as a singleton in the test's hosts.</summary>
public sealed record TestTable(string Name, string? KeyColumn = "id", SqlPaging Paging = SqlPaging.Auto);

/// <summary>The <c>value</c> column of a test table.</summary>
public sealed class ValuesTable([FromKeyedServices(SqlHosts.DatabaseName)] SqlDatabase database, TestTable table)
    : SqlTableDataSource<long>(database, new SqlTable(table.Name, "value") { KeyColumn = table.KeyColumn, Paging = table.Paging });

/// <summary>A test table's rows as records, built by the default row reader from (id, value).</summary>
public sealed class RowsTable([FromKeyedServices(SqlHosts.DatabaseName)] SqlDatabase database, TestTable table)
    : SqlTableDataSource<Row>(database, new SqlTable(table.Name, "id", "value") { KeyColumn = table.KeyColumn, Paging = table.Paging });

public sealed record Row(long Id, long Value);

/// <summary>Sums the values.</summary>
public sealed class SumProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;

    public override long Reduce(IEnumerable<long> values) => values.Sum();
}

/// <summary>Collects the ids of every row, so that a test sees which rows the slices read, and how often.</summary>
public sealed class IdsProducer : Producer<Row, long[]>
{
    public override IEnumerable<long[]> Map(IEnumerable<Row> items) => [items.Select(r => r.Id).ToArray()];

    public override long[] Reduce(IEnumerable<long[]> values) => values.SelectMany(v => v).ToArray();
}

/// <summary>
/// Creates <c>numbers (id, k, value)</c> with ids 1 .. count, a unique text key <c>k</c> whose order is not the ids'
/// order, and values <c>id * 7919 % 1009</c> (with repeats); <see cref="DeleteGapsAsync"/> then cuts random rows and a
/// long run out of it.
/// </summary>
public static class NumbersTable
{
    public const string Name = "numbers";

    public static long ValueOf(long id) => id * 7919 % 1009;

    public static async Task CreateAsync(TestDatabase database, long count, string name = Name)
    {
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await database.ExecuteAsync($"CREATE TABLE {quoted} (id BIGINT PRIMARY KEY, k TEXT NOT NULL UNIQUE, value BIGINT NOT NULL)");
        await database.ExecuteAsync(string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO {quoted} (id, k, value) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {count}) SELECT x, CAST(x * 7919 % 100003 AS TEXT) || '-' || CAST(x AS TEXT), x * 7919 % 1009 FROM n"));
    }

    /// <summary>Deletes a fifth of the rows at random and the run [count / 3, count / 2); returns the ids left, in order.</summary>
    public static async Task<long[]> DeleteGapsAsync(TestDatabase database, long count, int seed)
    {
        var random = new Random(seed);
        var deleted = new HashSet<long>();
        for (var id = 1L; id <= count; id++)
        {
            if (random.Next(5) == 0 || (id >= count / 3 && id < count / 2))
            {
                deleted.Add(id);
            }
        }

        await database.DeleteAsync(Name, "id", deleted);
        return [.. Enumerable.Range(1, (int)count).Select(i => (long)i).Where(id => !deleted.Contains(id))];
    }

    /// <summary>The text key of an id, as the table holds it.</summary>
    public static string KeyOf(long id) => string.Create(CultureInfo.InvariantCulture, $"{id * 7919 % 100003}-{id}");
}
