namespace Pymar.Hosting.Registration;

/// <summary>Builds a registered data source and checks that its items fit the producer.</summary>
internal static class DataSourceActivator
{
    public static IDataSource<TItem> Create<TItem>(DataSourceRegistration registration, IServiceProvider services) =>
        registration.Create(services) as IDataSource<TItem>
        ?? throw new PymarConfigurationException(
            $"Data source '{registration.Name}' ({registration.DataSourceType.FullName}) does not yield items of type {typeof(TItem).FullName}, which the producer maps.");
}
