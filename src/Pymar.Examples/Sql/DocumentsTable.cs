using System.Data.Common;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Sql;

namespace Pymar.Examples.Sql;

/// <summary>
/// The table <c>pymar_documents (id, body)</c>, one document per row. Each row becomes its text in lower case with
/// punctuation turned into spaces, so that the word count counts "The" and "the," as one word. Its integer key makes
/// the default paging <see cref="SqlPaging.KeyRange"/>: each slice is a range of ids.
/// </summary>
/// <param name="database">The examples' database, built on each worker from its own configuration.</param>
public sealed class DocumentsTable([FromKeyedServices(SqlExamples.DatabaseName)] SqlDatabase database)
    : SqlTableDataSource<string>(database, Definition)
{
    /// <summary>The table, its text column and its key.</summary>
    public static SqlTable Definition { get; } = new("pymar_documents", "body") { KeyColumn = "id" };

    /// <inheritdoc />
    protected override string ReadItem(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Normalize(row.GetString(0));
    }

    /// <summary>Lower case; every character that is not a letter or a digit becomes a space, but an apostrophe inside a word stays.</summary>
    internal static string Normalize(string text)
    {
        var normalized = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                normalized.Append(char.ToLowerInvariant(c));
            }
            else if (c is '\'' or '\u2019' && i > 0 && i + 1 < text.Length && char.IsLetter(text[i - 1]) && char.IsLetter(text[i + 1]))
            {
                normalized.Append('\'');
            }
            else
            {
                normalized.Append(' ');
            }
        }

        return normalized.ToString();
    }
}
