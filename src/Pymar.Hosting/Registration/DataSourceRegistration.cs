namespace Pymar.Hosting.Registration;

/// <summary>A data source registered under a name; the name is what slice messages carry.</summary>
/// <param name="Name">The registered name (by default the type's simple name).</param>
/// <param name="DataSourceType">The data source's type (information only; never read from a message).</param>
/// <param name="Create">Creates the data source from a service provider.</param>
internal sealed record DataSourceRegistration(string Name, Type DataSourceType, Func<IServiceProvider, IDataSource> Create);
