using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Pymar.Hosting;
using Pymar.Hosting.Sql;

namespace Pymar.Hosting.Docs.Tests.Snippets;

// docs/sql.md: a table as a data source.
public sealed class NumbersTable([FromKeyedServices("Numbers")] SqlDatabase database)
    : SqlTableDataSource<long>(database, new SqlTable("numbers", "value") { KeyColumn = "id" });

/// <summary>The sum of the squares of the items; the producer the SQL page registers.</summary>
public sealed class SquaredSumProducer : Producer<long, decimal>
{
    public override IEnumerable<decimal> Map(IEnumerable<long> items) => items.Select(x => (decimal)x * x);
    public override decimal Reduce(IEnumerable<decimal> values) => values.Sum();
}

public static class SqlHosts
{
    public static void Register(HostApplicationBuilder builder)
    {
        builder.Services.AddPymar(builder.Configuration)
            .AddSqlDatabase("Numbers", NpgsqlFactory.Instance)     // connection string: ConnectionStrings:Numbers
            .AddDataSource<NumbersTable>()
            .AddProducer<SquaredSumProducer>();
    }
}
