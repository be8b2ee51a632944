using System.Text.RegularExpressions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Reads and redacts a broker URI given as text: <c>amqp[s]://[user[:pass]@]host[:port][,host[:port]…][/vhost]</c>.
/// Compiled as a linked source file into the RabbitMQ transport (<c>Pymar:Broker:Uri</c>) and into the programs that
/// read a broker from their command line, so both accept and refuse the same URIs.
/// </summary>
internal static partial class BrokerUri
{
    /// <summary>
    /// Removes a password from a URI given as text, for messages. The user info runs to the last '@' in the text, so
    /// a password holding an unescaped '@' or '/' is hidden whole (a stray '@' further on hides more).
    /// </summary>
    public static string Redact(string uri) => UserInfoPassword().Replace(uri, "$1:***@");

    /// <summary>What is wrong with <paramref name="uri"/> read as <c>Pymar:Broker:Uri</c> (never its user info), or null.</summary>
    public static string? Problem(string uri) =>
        TryParse(uri, useTls: false, out _, out _, out _, out _, out var error) ? null : error;

    /// <summary>
    /// Reads the URI. <see cref="Uri"/> cannot hold a list of hosts, so the authority is split by hand; the error
    /// names the part that is wrong, never the user info.
    /// </summary>
    public static bool TryParse(
        string text, bool useTls, out bool tls, out IReadOnlyList<BrokerEndpoint> endpoints, out string path, out string userInfo, out string error)
    {
        tls = useTls;
        endpoints = [];
        path = "/";
        userInfo = "";
        var match = UriShape().Match(text.Trim());
        if (!match.Success)
        {
            error = SchemeOnly().IsMatch(text.Trim())
                ? "write a '/', '@' or ':' in the user name or password as %2F, %40 or %3A"
                : "it must start with amqp:// or amqps://";
            return false;
        }

        tls = match.Groups["scheme"].Value.Equals("amqps", StringComparison.OrdinalIgnoreCase) || useTls;
        userInfo = match.Groups["user"].Value;
        path = match.Groups["path"].Value is { Length: > 1 } given ? given : "/";
        var list = new List<BrokerEndpoint>();
        foreach (var host in match.Groups["hosts"].Value.Split(','))
        {
            if (!BrokerEndpoint.TryParse(host, tls ? 5671 : 5672, out var endpoint, out error))
            {
                return false;
            }

            list.Add(endpoint);
        }

        endpoints = list;
        error = "";
        return true;
    }

    [GeneratedRegex("^([a-z]+://[^:/@]*):.*@", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex UserInfoPassword();

    // The user info ends at the last '@' before the path, and no '@' may follow it (so a stray one never shows a
    // password as a host); the path ends at a query or fragment, which are ignored.
    [GeneratedRegex("^(?<scheme>amqps?)://(?:(?<user>[^/?#]*)@)?(?<hosts>[^/?#@]*)(?<path>/[^?#@]*)?(?:[?#].*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex UriShape();

    [GeneratedRegex("^amqps?://", RegexOptions.IgnoreCase)]
    private static partial Regex SchemeOnly();
}
