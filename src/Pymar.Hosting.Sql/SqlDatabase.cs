using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace Pymar.Hosting.Sql;

/// <summary>
/// A database that SQL data sources read, under a name: an ADO.NET <see cref="DbDataSource"/> (any provider) and
/// its <see cref="SqlDialect"/>. Register one with <c>AddSqlDatabase(name, provider)</c> and take it in a data
/// source's constructor as <c>[FromKeyedServices("name")] SqlDatabase database</c>; it owns its data source.
/// </summary>
/// <remarks>
/// Every worker opens its own connections with the connection string of its own configuration, so a host name such
/// as <c>localhost</c> means the worker's machine, not the producer's.
/// </remarks>
public sealed class SqlDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>Creates a database over <paramref name="dataSource"/>, which it disposes.</summary>
    /// <param name="name">The name used in registrations and error messages (never the connection string).</param>
    /// <param name="dataSource">Opens the connections.</param>
    /// <param name="dialect">How SQL is written for this database; null for <see cref="SqlDialect.Default"/>.</param>
    public SqlDatabase(string name, DbDataSource dataSource, SqlDialect? dialect = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dataSource);
        Name = name;
        DataSource = dataSource;
        Dialect = dialect ?? SqlDialect.Default;
    }

    /// <summary>The database's name (the key of its registration and of its connection string).</summary>
    public string Name { get; }

    /// <summary>The ADO.NET data source that opens connections to the database.</summary>
    public DbDataSource DataSource { get; }

    /// <summary>How SQL is written for this database.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>
    /// Creates a database from the connection string <c>ConnectionStrings:<paramref name="name"/></c> of
    /// <paramref name="configuration"/> (in an environment variable: <c>ConnectionStrings__name</c>).
    /// </summary>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="name">The connection string's name.</param>
    /// <param name="provider">The ADO.NET provider, such as <c>SqliteFactory.Instance</c> or <c>NpgsqlFactory.Instance</c>.</param>
    /// <param name="dialect">How SQL is written for this database; null for <see cref="SqlDialect.Default"/>.</param>
    /// <exception cref="PymarConfigurationException">The connection string is missing or the provider rejects it.</exception>
    public static SqlDatabase FromConfiguration(IConfiguration configuration, string name, DbProviderFactory provider, SqlDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(provider);
        var connectionString = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new PymarConfigurationException(
                $"SQL database '{name}' has no connection string: set ConnectionStrings:{name} (environment variable ConnectionStrings__{name}). Each worker reads its own.");
        }

        DbDataSource dataSource;
        try
        {
            dataSource = provider.CreateDataSource(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new PymarConfigurationException($"The connection string ConnectionStrings:{name} is not valid for {provider.GetType().Name}: {ex.Message}", ex);
        }

        return new SqlDatabase(name, dataSource, dialect);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => DataSource.Dispose();
}
