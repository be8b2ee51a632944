using System.Text.RegularExpressions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>The broker's address as the connection uses it, and as it may be shown: without the password.</summary>
internal sealed partial class BrokerAddress
{
    private BrokerAddress(Uri uri, string userName, string password, bool useTls, string? tlsServerName)
    {
        Uri = uri;
        UserName = userName;
        Password = password;
        UseTls = useTls;
        TlsServerName = tlsServerName;
        Display = $"{uri.Scheme}://{userName}@{uri.Host}:{uri.Port}{uri.AbsolutePath}";
    }

    /// <summary>The URI with no user information; credentials are held apart.</summary>
    public Uri Uri { get; }

    public string UserName { get; }

    public string Password { get; }

    public bool UseTls { get; }

    public string? TlsServerName { get; }

    /// <summary>Safe to log: scheme, user, host, port and virtual host.</summary>
    public string Display { get; }

    public static BrokerAddress From(RabbitMqOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Uri))
        {
            var uri = new Uri(options.Uri);
            var userName = options.UserName;
            var password = options.Password;
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                userName = System.Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
                password = separator < 0 ? "" : System.Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
            }

            var tls = uri.Scheme == "amqps" || options.UseTls;
            var port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? 5671 : 5672) : uri.Port;
            var path = uri.AbsolutePath.Length <= 1 ? "/" : uri.AbsolutePath;
            var clean = new UriBuilder(tls ? "amqps" : "amqp", uri.Host, port, path).Uri;
            return new BrokerAddress(clean, userName, password, tls, options.TlsServerName);
        }

        var secure = options.UseTls;
        var vhost = options.VirtualHost == "/" ? "/" : "/" + System.Uri.EscapeDataString(options.VirtualHost);
        var built = new UriBuilder(secure ? "amqps" : "amqp", options.Host, options.Port ?? (secure ? 5671 : 5672), vhost).Uri;
        return new BrokerAddress(built, options.UserName, options.Password, secure, options.TlsServerName);
    }

    /// <summary>The virtual host the URI names.</summary>
    public string VirtualHost
    {
        get
        {
            var path = Uri.AbsolutePath;
            return path.Length <= 1 ? "/" : System.Uri.UnescapeDataString(path[1..]);
        }
    }

    /// <summary>Removes the password from any text, for messages that come from elsewhere.</summary>
    public string Scrub(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, "***", StringComparison.Ordinal);

    /// <summary>Removes a password from a URI given as text, for validation messages.</summary>
    public static string Redact(string uri) => UserInfoPassword().Replace(uri, "$1:***@");

    [GeneratedRegex("^([a-z]+://[^:/@]*):[^@]*@", RegexOptions.IgnoreCase)]
    private static partial Regex UserInfoPassword();
}
