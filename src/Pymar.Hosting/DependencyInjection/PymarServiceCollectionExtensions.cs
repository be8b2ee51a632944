using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Client;
using Pymar.Hosting;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Pymar.Hosting in a service collection. Options are bound from the host's <see cref="IConfiguration"/>
/// (<c>Pymar</c>, <c>Pymar:Worker</c>) and checked when the host starts.
/// </summary>
public static class PymarServiceCollectionExtensions
{
    /// <summary>
    /// Adds Pymar's <see cref="ProducerClient"/> and transport, with <see cref="PymarOptions"/> bound from the
    /// <c>Pymar</c> section of <paramref name="configuration"/> (registered as the host's configuration when the
    /// service collection has none yet).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (the root; the <c>Pymar</c> section is read from it).</param>
    /// <returns>A builder to register producers, data sources and workers on.</returns>
    public static IPymarBuilder AddPymar(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(configuration);
        return services.AddPymar();
    }

    /// <summary>
    /// Adds Pymar's <see cref="ProducerClient"/> and transport, with <see cref="PymarOptions"/> bound from the
    /// <c>Pymar</c> section of the host's configuration and then set by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="PymarOptions"/>; may be null.</param>
    /// <returns>A builder to register producers, data sources and workers on.</returns>
    public static IPymarBuilder AddPymar(this IServiceCollection services, Action<PymarOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PymarOptions>();
        if (!services.Any(d => d.ServiceType == typeof(PymarRegistry)))
        {
            options.BindConfiguration(PymarOptions.SectionName).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PymarOptions>, PymarOptionsValidator>(
            static sp => new PymarOptionsValidator(sp.GetService<IConfiguration>())));
        services.TryAddSingleton(static sp => new PymarRegistry(sp.GetServices<ProducerRegistration>(), sp.GetServices<DataSourceRegistration>()));
        services.TryAddSingleton<InProcessBroker>();
        services.TryAddSingleton(static sp => SelectTransport(sp));
        services.TryAddSingleton(static sp => new ProducerClient(sp));
        return new PymarBuilder(services);
    }

    /// <summary>Registers a producer under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TProducer">The producer type; it is resolved as a singleton and may take constructor dependencies.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The name its slice messages and queue carry; defaults to the type's simple name.</param>
    public static IServiceCollection AddPymarProducer<TProducer>(this IServiceCollection services, string? name = null)
        where TProducer : Producer => services.AddPymarProducer(typeof(TProducer), name);

    /// <summary>Registers a data source under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TDataSource">The data source type; workers create one per slice and it may take constructor dependencies.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The name slice messages carry; defaults to the type's simple name.</param>
    public static IServiceCollection AddPymarDataSource<TDataSource>(this IServiceCollection services, string? name = null)
        where TDataSource : class, IDataSource => services.AddPymarDataSource(typeof(TDataSource), name);

    /// <summary>
    /// Registers a producer type known only at run time (for example loaded from an assembly by path, as
    /// <c>pymar-worker</c> does) under its simple name or <paramref name="name"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="producerType">A non-abstract class deriving from <see cref="Producer{TItem, TValue}"/>; resolved as a singleton.</param>
    /// <param name="name">The name its slice messages and queue carry; defaults to the type's simple name.</param>
    /// <exception cref="ArgumentException"><paramref name="producerType"/> is not a producer, or the name is not valid.</exception>
    public static IServiceCollection AddPymarProducer(this IServiceCollection services, Type producerType, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(producerType);
        if (!IsConcrete(producerType) || ProducerRegistration.FindProducerBase(producerType) is null)
        {
            throw new ArgumentException(
                $"{producerType.FullName} is not a producer: a producer is a non-abstract, non-generic class deriving from {typeof(Producer).FullName}<TItem, TValue>.",
                nameof(producerType));
        }

        var registration = new ProducerRegistration(PymarRegistry.ValidateName(name ?? producerType.Name, "producer"), producerType, sp => (Producer)sp.GetRequiredService(producerType));
        if (!IsRegistered(services, registration, static (a, b) => a.Name == b.Name && a.ProducerType == b.ProducerType))
        {
            services.TryAddSingleton(producerType);
            services.AddSingleton(registration);
        }

        return services;
    }

    /// <summary>
    /// Registers a data source type known only at run time (for example loaded from an assembly by path) under its
    /// simple name or <paramref name="name"/>.
    /// </summary>
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

        var registration = new DataSourceRegistration(PymarRegistry.ValidateName(name ?? dataSourceType.Name, "data source"), dataSourceType, sp => (IDataSource)sp.GetRequiredService(dataSourceType));
        if (!IsRegistered(services, registration, static (a, b) => a.Name == b.Name && a.DataSourceType == b.DataSourceType))
        {
            services.TryAddTransient(dataSourceType);
            services.AddSingleton(registration);
        }

        return services;
    }

    /// <summary>
    /// Makes this host a worker: adds the <see cref="WorkerService"/> pool that consumes the slices of the
    /// registered producers, with <see cref="WorkerOptions"/> bound from <c>Pymar:Worker</c> of the host's
    /// configuration and then set by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="WorkerOptions"/> after configuration; may be null.</param>
    public static IServiceCollection AddPymarWorkers(this IServiceCollection services, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WorkerOptions>();
        if (!services.Any(d => d.ServiceType == typeof(WorkerService)))
        {
            options.BindConfiguration(WorkerOptions.SectionName).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.TryAddSingleton(static sp => new WorkerService(sp));
        services.TryAddSingleton<IWorkerPoolState>(static sp => sp.GetRequiredService<WorkerService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPymarWorkerStatus, WorkerService>(static sp => sp.GetRequiredService<WorkerService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkerService>(static sp => sp.GetRequiredService<WorkerService>()));
        return services;
    }

    private static bool IsConcrete(Type type) => type.IsClass && !type.IsAbstract && !type.ContainsGenericParameters;

    private static bool IsRegistered<T>(IServiceCollection services, T registration, Func<T, T, bool> same)
        where T : class =>
        services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(T) && d.ImplementationInstance is T existing && same(existing, registration));

    private static IPymarTransport SelectTransport(IServiceProvider services)
    {
        var name = services.GetRequiredService<IOptions<PymarOptions>>().Value.Transport;
        var registered = services.GetServices<TransportRegistration>().ToList();
        if (string.IsNullOrWhiteSpace(name))
        {
            return registered.Count > 0 ? registered[^1].Create(services) : new InProcessTransport(services.GetRequiredService<InProcessBroker>());
        }

        if (string.Equals(name, PymarOptions.InProcessTransport, StringComparison.OrdinalIgnoreCase))
        {
            return new InProcessTransport(services.GetRequiredService<InProcessBroker>());
        }

        var match = registered.LastOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
        return match?.Create(services) ?? throw new PymarConfigurationException(
            $"Pymar:Transport is '{name}', but no transport of that name is registered. Use '{PymarOptions.InProcessTransport}' or register one (for example with UseRabbitMq()).");
    }
}
