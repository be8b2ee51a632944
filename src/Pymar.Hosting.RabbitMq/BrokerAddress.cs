namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// The broker's nodes and credentials as the connection uses them, and as they may be shown: without the password.
/// Built from the options once they are valid (<see cref="RabbitMqOptionsValidator"/> reports the same errors by key).
/// </summary>
internal sealed class BrokerAddress
{
    private readonly string _scheme;
    private readonly string _path;

    private BrokerAddress(bool useTls, IReadOnlyList<BrokerEndpoint> endpoints, string path, string userName, string password, string? tlsServerName)
    {
        _scheme = useTls ? "amqps" : "amqp";
        _path = path;
        Endpoints = endpoints;
        UserName = userName;
        Password = password;
        UseTls = useTls;
        TlsServerName = tlsServerName;
        Display = $"{_scheme}://{userName}@{string.Join(',', endpoints)}{path}";
    }

    /// <summary>The nodes to connect to, in the order given; one for a single broker.</summary>
    public IReadOnlyList<BrokerEndpoint> Endpoints { get; }

    public string UserName { get; }

    public string Password { get; }

    public bool UseTls { get; }

    public string? TlsServerName { get; }

    /// <summary>Safe to log: scheme, user, every node and virtual host.</summary>
    public string Display { get; private init; }

    /// <summary>
    /// The broker of the connection registered in the app's services (<see cref="RabbitMqOptions.UseConnectionFromServices"/>):
    /// its nodes, credentials and virtual host are that connection's own.
    /// </summary>
    public static BrokerAddress FromServices { get; } = new(false, [], "/", "", "", null) { Display = "the IConnection registered in the app's services" };

    /// <summary>The virtual host the path names.</summary>
    public string VirtualHost => _path.Length <= 1 ? "/" : Uri.UnescapeDataString(_path[1..]);

    /// <summary>Safe to log: the address of the one node a connection is on.</summary>
    public string DisplayNode(string host, int port) => $"{_scheme}://{UserName}@{new BrokerEndpoint(host, port)}{_path}";

    /// <summary>The address the options give; throws <see cref="PymarConfigurationException"/> naming the key when they are not valid.</summary>
    public static BrokerAddress From(RabbitMqOptions options)
    {
        var error = TryFrom(options, out var address);
        return address ?? throw new PymarConfigurationException(error!);
    }

    /// <summary>Builds the address, or returns what is wrong (naming the key, never the password).</summary>
    public static string? TryFrom(RabbitMqOptions options, out BrokerAddress? address)
    {
        const string Key = RabbitMqOptions.SectionName;
        address = null;
        if (options.UseConnectionFromServices)
        {
            address = FromServices;
            return null;
        }

        var uri = options.Uri;
        var uriKey = $"{Key}:Uri";
        var fromConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionName);
        if (fromConnectionString)
        {
            uri = options.ConnectionString;
            uriKey = $"ConnectionStrings:{options.ConnectionName}";
            if (string.IsNullOrWhiteSpace(uri))
            {
                return $"{uriKey} is missing or empty ({Key}:ConnectionName names it): set it to the broker as amqp://user:pass@host:port/vhost.";
            }
        }

        if (!string.IsNullOrWhiteSpace(uri))
        {
            if (!BrokerUri.TryParse(uri, options.UseTls, out var tls, out var endpoints, out var path, out var userInfo, out var uriError))
            {
                // A connection string may be of another form (Host=…;Password=…): it is not shown.
                var shown = fromConnectionString ? "" : $" (it is '{Redact(uri)}')";
                return $"{uriKey} must be amqp://user:pass@host:port/vhost or amqps://…, with one or more hosts separated by commas{shown}: {uriError}.";
            }

            var userName = options.UserName;
            var password = options.Password;
            if (userInfo.Length > 0)
            {
                var separator = userInfo.IndexOf(':', StringComparison.Ordinal);
                userName = Uri.UnescapeDataString(separator < 0 ? userInfo : userInfo[..separator]);
                password = separator < 0 ? "" : Uri.UnescapeDataString(userInfo[(separator + 1)..]);
            }

            address = new BrokerAddress(tls, endpoints, path, userName, password, options.TlsServerName);
            return null;
        }

        var secure = options.UseTls;
        var defaultPort = options.Port ?? (secure ? 5671 : 5672);
        var hosts = options.Hosts.Count > 0 ? options.Hosts : [options.Host];
        var list = new List<BrokerEndpoint>(hosts.Count);
        for (var i = 0; i < hosts.Count; i++)
        {
            var key = options.Hosts.Count > 0 ? $"{Key}:Hosts:{i}" : $"{Key}:Host";
            if (string.IsNullOrWhiteSpace(hosts[i]))
            {
                return $"{key} must not be empty (or set {Key}:Uri).";
            }

            if (!BrokerEndpoint.TryParse(hosts[i], defaultPort, out var endpoint, out var hostError))
            {
                return $"{key} must be host or host:port: {hostError}.";
            }

            list.Add(endpoint);
        }

        var vhost = options.VirtualHost == "/" ? "/" : "/" + Uri.EscapeDataString(options.VirtualHost);
        address = new BrokerAddress(secure, list, vhost, options.UserName, options.Password, options.TlsServerName);
        return null;
    }

    /// <summary>Removes the password from any text, for messages that come from elsewhere.</summary>
    public string Scrub(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, "***", StringComparison.Ordinal);

    /// <summary>Removes a password from a URI given as text, for validation messages.</summary>
    public static string Redact(string uri) => BrokerUri.Redact(uri);
}
