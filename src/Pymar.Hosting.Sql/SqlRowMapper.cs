using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;

namespace Pymar.Hosting.Sql;

/// <summary>
/// Builds an item from a row when the data source does not say how: a single column read as the item's type
/// (<c>long</c>, <c>string</c>, …), or a record, class or tuple whose one public constructor with as many parameters
/// as there are columns takes them in order. The reader is compiled once per item type and column count.
/// </summary>
internal static class SqlRowMapper<TItem>
{
    private static readonly ConcurrentDictionary<int, Func<DbDataReader, TItem>> s_readers = new();
    private static readonly MethodInfo s_isDbNull = typeof(DbDataReader).GetMethod(nameof(DbDataReader.IsDBNull), [typeof(int)])!;
    private static readonly MethodInfo s_getFieldValue = typeof(DbDataReader).GetMethod(nameof(DbDataReader.GetFieldValue), [typeof(int)])!;

    /// <summary>Returns the reader for rows of <paramref name="columnCount"/> columns, or throws a configuration error saying why there is none.</summary>
    public static Func<DbDataReader, TItem> For(int columnCount, string dataSourceName) =>
        s_readers.GetOrAdd(columnCount, static (count, name) => Build(count, name), dataSourceName);

    private static Func<DbDataReader, TItem> Build(int columnCount, string dataSourceName)
    {
        var reader = Expression.Parameter(typeof(DbDataReader), "row");
        var itemType = typeof(TItem);
        Expression body;
        if (IsScalar(itemType))
        {
            if (columnCount != 1)
            {
                throw new PymarConfigurationException(
                    $"SQL data source '{dataSourceName}' reads {columnCount} columns into {itemType.Name} items, which hold one value. " +
                    "Read one column, make the item a positional record, or override ReadItem.");
            }

            body = Field(reader, 0, itemType);
        }
        else
        {
            var constructors = itemType.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
                .Where(c => c.GetParameters().Length == columnCount)
                .ToList();
            if (constructors.Count != 1)
            {
                throw new PymarConfigurationException(
                    $"SQL data source '{dataSourceName}' cannot build {itemType.Name} items from {columnCount} column(s): it has {constructors.Count} public constructor(s) with {columnCount} parameter(s), not one. " +
                    "Override ReadItem or pass a readItem delegate.");
            }

            var parameters = constructors[0].GetParameters();
            body = Expression.New(constructors[0], parameters.Select((p, i) => Field(reader, i, p.ParameterType)));
        }

        return Expression.Lambda<Func<DbDataReader, TItem>>(body, reader).Compile();
    }

    /// <summary><c>row.IsDBNull(i) ? default : (T)row.GetFieldValue&lt;U&gt;(i)</c>, with U the type without <c>?</c> (or an enum's number type).</summary>
    private static ConditionalExpression Field(ParameterExpression reader, int ordinal, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var stored = underlying.IsEnum ? Enum.GetUnderlyingType(underlying) : underlying;
        var index = Expression.Constant(ordinal);
        var value = Expression.Convert(Expression.Call(reader, s_getFieldValue.MakeGenericMethod(stored), index), type);
        return Expression.Condition(Expression.Call(reader, s_isDbNull, index), Expression.Default(type), value);
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(byte[])
            || type == typeof(DateOnly) || type == typeof(TimeOnly);
    }
}
