using Microsoft.Extensions.DependencyInjection.Extensions;
using Pymar.Hosting;
using Pymar.Hosting.Registration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers producers and data sources whose types are known only at run time (for example loaded from an
/// assembly by path, as <c>pymar-worker</c> does). Code that knows its types uses the generic overloads instead.
/// </summary>
public static class PymarRuntimeRegistrationExtensions
{
    /// <summary>Registers a producer type under its simple name or <paramref name="name"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="producerType">A non-abstract class deriving from <see cref="Producer{TItem, TValue}"/>; resolved as a singleton.</param>
    /// <param name="name">The name its slice messages and queue carry; defaults to the type's simple name.</param>
    /// <exception cref="ArgumentException"><paramref name="producerType"/> is not a producer, or the name is not valid.</exception>
    public static IServiceCollection AddPymarProducer(this IServiceCollection services, Type producerType, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(producerType);
        if (!IsConcrete(producerType) || !typeof(Producer).IsAssignableFrom(producerType))
        {
            throw new ArgumentException(
                $"{producerType.FullName} is not a producer: a producer is a non-abstract, non-generic class deriving from {typeof(Producer).FullName}<TItem, TValue>.",
                nameof(producerType));
        }

        var registeredName = PymarRegistry.ValidateName(name ?? producerType.Name, "producer");
        if (services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(ProducerRegistration) && d.ImplementationInstance is ProducerRegistration r && r.Name == registeredName && r.ProducerType == producerType))
        {
            return services;
        }

        services.TryAddSingleton(producerType);
        services.AddSingleton(new ProducerRegistration(registeredName, producerType, sp => (Producer)sp.GetRequiredService(producerType)));
        return services;
    }

    /// <summary>Registers a data source type under its simple name or <paramref name="name"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="dataSourceType">A non-abstract class implementing <see cref="IDataSource"/>; workers create one per slice.</param>
    /// <param name="name">The name slice messages carry; defaults to the type's simple name.</param>
    /// <exception cref="ArgumentException"><paramref name="dataSourceType"/> is not a data source, or the name is not valid.</exception>
    public static IServiceCollection AddPymarDataSource(this IServiceCollection services, Type dataSourceType, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dataSourceType);
        if (!IsConcrete(dataSourceType) || !typeof(IDataSource).IsAssignableFrom(dataSourceType))
        {
            throw new ArgumentException(
                $"{dataSourceType.FullName} is not a data source: a data source is a non-abstract, non-generic class implementing {typeof(IDataSource).FullName} (for example through DataSource<TItem>).",
                nameof(dataSourceType));
        }

        var registeredName = PymarRegistry.ValidateName(name ?? dataSourceType.Name, "data source");
        if (services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(DataSourceRegistration) && d.ImplementationInstance is DataSourceRegistration r && r.Name == registeredName && r.DataSourceType == dataSourceType))
        {
            return services;
        }

        services.TryAddTransient(dataSourceType);
        services.AddSingleton(new DataSourceRegistration(registeredName, dataSourceType, sp => (IDataSource)sp.GetRequiredService(dataSourceType)));
        return services;
    }

    private static bool IsConcrete(Type type) => type.IsClass && !type.IsAbstract && !type.ContainsGenericParameters;
}
