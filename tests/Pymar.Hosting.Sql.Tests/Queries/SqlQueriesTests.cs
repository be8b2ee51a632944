using System.Data.Common;
using Microsoft.Data.Sqlite;
using Pymar.Hosting.Sql.Tests.Support;

namespace Pymar.Hosting.Sql.Tests.Queries;

/// <summary>The SQL texts: quoted identifiers, parameters for the window, and the paging each table asks for.</summary>
public sealed class SqlQueriesTests
{
    [Fact]
    public void AKeyColumnMeansKeyRangePagingWhoseLengthIsTheKeysSpanAndWhoseWindowIsAKeyRangeFromTheLeastKey()
    {
        var queries = new SqlQueries(new SqlTable("numbers", "value") { KeyColumn = "id", CountQuery = "SELECT 42" }, SqlDialect.Default);

        Assert.Equal(SqlPaging.KeyRange, queries.Paging);
        Assert.Equal("SELECT min(\"id\"), max(\"id\") FROM \"numbers\"", queries.KeyBounds);
        Assert.Null(queries.Count);
        Assert.False(queries.HasReadFromStart);
        Assert.False(queries.WindowIsExact);
        Assert.Equal(
            "SELECT \"value\" FROM \"numbers\" WHERE \"id\" >= (SELECT min(\"id\") FROM \"numbers\") + @offset AND \"id\" < (SELECT min(\"id\") FROM \"numbers\") + @offset + @limit ORDER BY \"id\"",
            queries.Read);
        Assert.Equal("""SELECT "value", "id" FROM "numbers" WHERE 1 = 0""", queries.Probe);
    }

    [Fact]
    public void KeysetPagingFindsTheWindowsFirstKeyFromTheKeyAloneThenReadsAKeyRange()
    {
        var queries = new SqlQueries(new SqlTable("numbers", "value") { KeyColumn = "id", Paging = SqlPaging.Keyset }, SqlDialect.Default);

        Assert.Equal(SqlPaging.Keyset, queries.Paging);
        Assert.True(queries.WindowIsExact);
        Assert.Null(queries.KeyBounds);
        Assert.Equal("""SELECT "value" FROM "numbers" ORDER BY "id" LIMIT @limit""", queries.ReadFromStart);
        Assert.Equal("""SELECT "value" FROM "numbers" WHERE "id" >= (SELECT "id" FROM "numbers" ORDER BY "id" LIMIT 1 OFFSET @offset) ORDER BY "id" LIMIT @limit""", queries.Read);
        Assert.Equal("SELECT count(*) FROM \"numbers\"", queries.Count);
        Assert.Equal("""SELECT "value", "id" FROM "numbers" WHERE 1 = 0""", queries.Probe);
    }

    [Fact]
    public void KeysetAndOffsetPagingCountWithTheTablesCountQuery()
    {
        var keyset = new SqlQueries(new SqlTable("numbers", "value") { KeyColumn = "id", Paging = SqlPaging.Keyset, CountQuery = "SELECT 42" }, SqlDialect.Default);
        var offset = new SqlQueries(new SqlTable("numbers", "value") { CountQuery = "SELECT 42" }, SqlDialect.Default);

        Assert.Equal("SELECT 42", keyset.Count);
        Assert.Equal("SELECT 42", offset.Count);
    }

    [Fact]
    public void OffsetPagingOrdersByTheKeyOrElseByEveryColumn()
    {
        var byKey = new SqlQueries(new SqlTable("numbers", "value") { KeyColumn = "id", Paging = SqlPaging.Offset }, SqlDialect.Default);
        var byColumns = new SqlQueries(new SqlTable("numbers", "a", "b") { Schema = "s" }, SqlDialect.Default);

        Assert.Equal("""SELECT "value" FROM "numbers" ORDER BY "id" LIMIT @limit OFFSET @offset""", byKey.Read);
        Assert.True(byKey.WindowIsExact);
        Assert.Equal(SqlPaging.Offset, byColumns.Paging);
        Assert.Equal("""SELECT "a", "b" FROM "s"."numbers" ORDER BY "a", "b" LIMIT @limit OFFSET @offset""", byColumns.Read);
    }

    [Fact]
    public void IdentifiersAreQuotedWithTheirQuotesDoubled()
    {
        Assert.Equal("\"a\"\"b; DROP TABLE t; --\"", SqlDialect.Default.QuoteIdentifier("a\"b; DROP TABLE t; --"));
        Assert.Throws<ArgumentException>(() => SqlDialect.Default.QuoteIdentifier("a\0b"));
        Assert.Throws<ArgumentException>(() => SqlDialect.Default.QuoteIdentifier(""));
    }

    [Fact]
    public void ATableNeedsANameAndAColumn()
    {
        Assert.Throws<ArgumentException>(() => new SqlTable("t"));
        Assert.Throws<ArgumentException>(() => new SqlTable("", "a"));
        Assert.Throws<ArgumentException>(() => new SqlTable("t", "a", ""));
    }

    [Theory]
    [InlineData(SqlPaging.KeyRange)]
    [InlineData(SqlPaging.Keyset)]
    public async Task KeyPagingWithoutAKeyColumnIsAConfigurationError(SqlPaging paging)
    {
        await using var database = new SqlDatabase("Test", SqliteFactory.Instance.CreateDataSource("Data Source=:memory:"));

        var error = Assert.Throws<PymarConfigurationException>(() => new ValuesTable(database, new TestTable("t", null, paging)));

        Assert.Contains($"asks for {paging} paging", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyColumn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsBecomeScalarsOrRecordsByPosition()
    {
        Assert.Throws<PymarConfigurationException>(() => SqlRowMapper<long>.For(2, "Source"));
        Assert.Throws<PymarConfigurationException>(() => SqlRowMapper<Row>.For(3, "Source"));

        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 7, 49 UNION ALL SELECT 8, NULL";
        using DbDataReader reader = command.ExecuteReader();
        var read = SqlRowMapper<(long, long?)>.For(2, "Source");
        var rows = new List<(long, long?)>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        Assert.Equal([(7L, 49L), (8L, null)], rows);
    }
}
