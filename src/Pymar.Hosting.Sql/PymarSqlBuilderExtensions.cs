using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Pymar.Hosting;
using Pymar.Hosting.Sql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SQL databases for Pymar's SQL data sources on the <c>AddPymar</c> builder.</summary>
public static class PymarSqlBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="SqlDatabase"/> under <paramref name="name"/> (a keyed singleton) whose connection string
    /// is <c>ConnectionStrings:<paramref name="name"/></c> of the host's configuration, read when a data source first
    /// needs it. A data source takes it as <c>[FromKeyedServices("name")] SqlDatabase database</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="name">The database's name: the service key and the connection string's name.</param>
    /// <param name="provider">The ADO.NET provider, such as <c>SqliteFactory.Instance</c> or <c>NpgsqlFactory.Instance</c>.</param>
    /// <param name="dialect">How SQL is written for this database; null for <see cref="SqlDialect.Default"/>.</param>
    /// <remarks>
    /// Workers open their own connections from their own configuration: <c>localhost</c> in a connection string means
    /// each worker's machine. Give workers on other machines a host name they can reach.
    /// </remarks>
    public static IPymarBuilder AddSqlDatabase(this IPymarBuilder builder, string name, DbProviderFactory provider, SqlDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(provider);
        builder.Services.AddKeyedSingleton(name, (services, _) =>
            SqlDatabase.FromConfiguration(services.GetRequiredService<IConfiguration>(), name, provider, dialect));
        return builder;
    }

    /// <summary>
    /// Registers a <see cref="SqlDatabase"/> under <paramref name="name"/> (a keyed singleton) over the data source
    /// that <paramref name="createDataSource"/> makes when a data source first needs it, such as an
    /// <c>NpgsqlDataSource</c> built with its own settings.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="name">The database's name: the service key.</param>
    /// <param name="createDataSource">Creates the ADO.NET data source; the database owns and disposes it.</param>
    /// <param name="dialect">How SQL is written for this database; null for <see cref="SqlDialect.Default"/>.</param>
    public static IPymarBuilder AddSqlDatabase(this IPymarBuilder builder, string name, Func<IServiceProvider, DbDataSource> createDataSource, SqlDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(createDataSource);
        builder.Services.AddKeyedSingleton(name, (services, _) => new SqlDatabase(name, createDataSource(services), dialect));
        return builder;
    }
}
