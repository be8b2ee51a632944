using System.Globalization;

namespace Pymar.Hosting.Sql;

/// <summary>
/// The few pieces of SQL text that differ between databases: how identifiers are quoted, how parameters are written
/// and how a query is limited. <see cref="Default"/> fits SQLite, PostgreSQL and most engines that follow the
/// standard's double-quoted identifiers and <c>LIMIT</c>/<c>OFFSET</c>; derive from it for others.
/// </summary>
/// <remarks>
/// Identifiers are always quoted, so a name is taken exactly as written (PostgreSQL folds unquoted names to lower case:
/// name a table created as <c>CREATE TABLE Numbers</c> as <c>numbers</c>). Values are always parameters.
/// </remarks>
public class SqlDialect
{
    /// <summary>Double-quoted identifiers, <c>@name</c> parameters and <c>LIMIT @n OFFSET @m</c>.</summary>
    public static SqlDialect Default { get; } = new();

    /// <summary>Quotes one identifier (a table, schema or column name) so that any text is read as a name.</summary>
    /// <param name="identifier">The name as the database spells it.</param>
    public virtual string QuoteIdentifier(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("An SQL identifier cannot contain a NUL character.", nameof(identifier));
        }

        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The parameter's name as it is written in SQL text and set on <see cref="System.Data.Common.DbParameter.ParameterName"/>.</summary>
    /// <param name="name">A plain name made of letters.</param>
    public virtual string ParameterName(string name) => "@" + name;

    /// <summary>The clause that ends an ordered query to keep at most <paramref name="limitParameter"/> rows after skipping <paramref name="offsetParameter"/>.</summary>
    /// <param name="limitParameter">The limit's parameter, as <see cref="ParameterName"/> wrote it.</param>
    /// <param name="offsetParameter">The offset's parameter, or null for none.</param>
    public virtual string LimitClause(string limitParameter, string? offsetParameter) =>
        offsetParameter is null
            ? string.Create(CultureInfo.InvariantCulture, $"LIMIT {limitParameter}")
            : string.Create(CultureInfo.InvariantCulture, $"LIMIT {limitParameter} OFFSET {offsetParameter}");
}
