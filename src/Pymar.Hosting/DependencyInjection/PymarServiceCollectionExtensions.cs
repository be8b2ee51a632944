using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting;
using Pymar.Hosting.Registration;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Pymar.Hosting in a service collection.</summary>
public static class PymarServiceCollectionExtensions
{
    /// <summary>
    /// Adds Pymar's <see cref="ProducerClient"/>, registry and transport, with <see cref="PymarOptions"/> bound from
    /// the <c>Pymar</c> section of <paramref name="configuration"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (the root; the <c>Pymar</c> section is read from it).</param>
    /// <returns>A builder to register producers, data sources and workers on.</returns>
    public static IPymarBuilder AddPymar(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddPymarCore(services);
        services.AddOptions<PymarOptions>().Bind(configuration.GetSection(PymarOptions.SectionName));
        return new PymarBuilder(services, configuration);
    }

    /// <summary>Adds Pymar's <see cref="ProducerClient"/>, registry and transport, configured in code.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="PymarOptions"/>; may be null.</param>
    /// <returns>A builder to register producers, data sources and workers on.</returns>
    public static IPymarBuilder AddPymar(this IServiceCollection services, Action<PymarOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddPymarCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new PymarBuilder(services, null);
    }

    /// <summary>Registers a producer under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TProducer">The producer type; it is resolved as a singleton and may take constructor dependencies.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The name its slice messages and queue carry; defaults to the type's simple name.</param>
    public static IServiceCollection AddPymarProducer<TProducer>(this IServiceCollection services, string? name = null)
        where TProducer : Producer
    {
        ArgumentNullException.ThrowIfNull(services);
        var registeredName = PymarRegistry.ValidateName(name ?? typeof(TProducer).Name, "producer");
        if (services.Any(d => d.ServiceType == typeof(ProducerRegistration) && d.ImplementationInstance is ProducerRegistration r && r.Name == registeredName && r.ProducerType == typeof(TProducer)))
        {
            return services;
        }

        services.TryAddSingleton<TProducer>();
        services.AddSingleton(new ProducerRegistration(registeredName, typeof(TProducer), static sp => sp.GetRequiredService<TProducer>()));
        return services;
    }

    /// <summary>Registers a data source under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TDataSource">The data source type; workers create one per slice and it may take constructor dependencies.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The name slice messages carry; defaults to the type's simple name.</param>
    public static IServiceCollection AddPymarDataSource<TDataSource>(this IServiceCollection services, string? name = null)
        where TDataSource : class, IDataSource
    {
        ArgumentNullException.ThrowIfNull(services);
        var registeredName = PymarRegistry.ValidateName(name ?? typeof(TDataSource).Name, "data source");
        if (services.Any(d => d.ServiceType == typeof(DataSourceRegistration) && d.ImplementationInstance is DataSourceRegistration r && r.Name == registeredName && r.DataSourceType == typeof(TDataSource)))
        {
            return services;
        }

        services.TryAddTransient<TDataSource>();
        services.AddSingleton(new DataSourceRegistration(registeredName, typeof(TDataSource), static sp => sp.GetRequiredService<TDataSource>()));
        return services;
    }

    /// <summary>
    /// Makes this host a worker: adds the <see cref="WorkerService"/> pool that consumes the slices of the
    /// registered producers. Its options are bound from <c>Pymar:Worker</c> when <paramref name="configuration"/> is given.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration root, or null.</param>
    /// <param name="configure">Sets <see cref="WorkerOptions"/> after configuration; may be null.</param>
    public static IServiceCollection AddPymarWorkers(this IServiceCollection services, IConfiguration? configuration = null, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WorkerOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(WorkerOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.TryAddSingleton<WorkerService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkerService>(static sp => sp.GetRequiredService<WorkerService>()));
        return services;
    }

    private static void AddPymarCore(IServiceCollection services)
    {
        services.AddOptions<PymarOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PymarOptions>, PymarOptionsValidator>());
        services.TryAddSingleton<PymarRegistry>();
        services.TryAddSingleton<InProcessBroker>();
        services.TryAddSingleton(static sp => SelectTransport(sp));
        services.TryAddSingleton<ProducerClient>();
    }

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
