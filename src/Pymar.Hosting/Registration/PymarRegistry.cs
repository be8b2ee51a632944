using System.Globalization;
using System.Text.RegularExpressions;

namespace Pymar.Hosting.Registration;

/// <summary>
/// The producers and data sources this host registered, by name. It is the only way a name read from a message
/// becomes code to run.
/// </summary>
internal sealed partial class PymarRegistry
{
    private readonly Dictionary<string, ProducerRegistration> _producersByName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, ProducerRegistration> _producersByType = [];
    private readonly Dictionary<string, DataSourceRegistration> _dataSourcesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, DataSourceRegistration> _dataSourcesByType = [];

    /// <summary>Creates the registry from the registrations made through dependency injection.</summary>
    /// <param name="producers">The registered producers.</param>
    /// <param name="dataSources">The registered data sources.</param>
    public PymarRegistry(IEnumerable<ProducerRegistration> producers, IEnumerable<DataSourceRegistration> dataSources)
    {
        ArgumentNullException.ThrowIfNull(producers);
        ArgumentNullException.ThrowIfNull(dataSources);
        foreach (var producer in producers)
        {
            if (!_producersByName.TryAdd(producer.Name, producer))
            {
                throw new PymarConfigurationException($"Two producers are registered under the name '{producer.Name}': {_producersByName[producer.Name].ProducerType} and {producer.ProducerType}. Give one of them another name.");
            }

            _producersByType.TryAdd(producer.ProducerType, producer);
        }

        foreach (var dataSource in dataSources)
        {
            if (!_dataSourcesByName.TryAdd(dataSource.Name, dataSource))
            {
                throw new PymarConfigurationException($"Two data sources are registered under the name '{dataSource.Name}': {_dataSourcesByName[dataSource.Name].DataSourceType} and {dataSource.DataSourceType}. Give one of them another name.");
            }

            _dataSourcesByType.TryAdd(dataSource.DataSourceType, dataSource);
        }
    }

    /// <summary>The registered producers.</summary>
    public IReadOnlyCollection<ProducerRegistration> Producers => _producersByName.Values;

    /// <summary>The registered data sources.</summary>
    public IReadOnlyCollection<DataSourceRegistration> DataSources => _dataSourcesByName.Values;

    /// <summary>Finds a producer by the name a message carries.</summary>
    public bool TryGetProducer(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProducerRegistration? registration) =>
        _producersByName.TryGetValue(name, out registration);

    /// <summary>Finds a data source by the name a message carries.</summary>
    public bool TryGetDataSource(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DataSourceRegistration? registration) =>
        _dataSourcesByName.TryGetValue(name, out registration);

    /// <summary>Returns the registration of a producer type, or throws a clear error when it is not registered.</summary>
    public ProducerRegistration GetProducer(Type producerType)
    {
        ArgumentNullException.ThrowIfNull(producerType);
        return _producersByType.TryGetValue(producerType, out var registration)
            ? registration
            : throw new PymarConfigurationException($"Producer '{producerType.Name}' ({producerType.FullName}) is not registered. Call AddProducer<{producerType.Name}>() on AddPymar(...) or services.AddPymarProducer<{producerType.Name}>().");
    }

    /// <summary>Returns the registration of a producer name, or throws a clear error when it is not registered.</summary>
    public ProducerRegistration GetProducer(string name) =>
        TryGetProducer(name, out var registration)
            ? registration
            : throw new PymarConfigurationException($"No producer is registered under the name '{name}'. Registered producers: {Describe(_producersByName.Keys)}.");

    /// <summary>Returns the registration of a data source type, or throws a clear error when it is not registered.</summary>
    public DataSourceRegistration GetDataSource(Type dataSourceType)
    {
        ArgumentNullException.ThrowIfNull(dataSourceType);
        return _dataSourcesByType.TryGetValue(dataSourceType, out var registration)
            ? registration
            : throw new PymarConfigurationException($"Data source '{dataSourceType.Name}' ({dataSourceType.FullName}) is not registered. Call AddDataSource<{dataSourceType.Name}>() on AddPymar(...) or services.AddPymarDataSource<{dataSourceType.Name}>().");
    }

    /// <summary>Returns the registration of a data source name, or throws a clear error when it is not registered.</summary>
    public DataSourceRegistration GetDataSource(string name) =>
        TryGetDataSource(name, out var registration)
            ? registration
            : throw new PymarConfigurationException($"No data source is registered under the name '{name}'. Registered data sources: {Describe(_dataSourcesByName.Keys)}.");

    /// <summary>Checks that a name can be used as a producer or data source name (and so as a queue name).</summary>
    internal static string ValidateName(string name, string kind)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"'{name}' is not a valid {kind} name: use 1 to 200 letters, digits, '.', '_' or '-'."), nameof(name));
        }

        return name;
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = string.Join(", ", names.Order(StringComparer.Ordinal));
        return list.Length == 0 ? "(none)" : list;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();
}
