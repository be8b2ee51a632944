namespace Pymar.Hosting.Registration;

/// <summary>A data source registered under a name; the name is what slice messages carry.</summary>
public sealed class DataSourceRegistration
{
    internal DataSourceRegistration(string name, Type dataSourceType, Func<IServiceProvider, IDataSource> create)
    {
        Name = name;
        DataSourceType = dataSourceType;
        Create = create;
    }

    /// <summary>The registered name (by default the type's simple name).</summary>
    public string Name { get; }

    /// <summary>The data source's type (information only; never read from a message).</summary>
    public Type DataSourceType { get; }

    internal Func<IServiceProvider, IDataSource> Create { get; }
}
