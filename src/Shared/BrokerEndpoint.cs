using System.Globalization;

namespace Pymar.Hosting.RabbitMq;

/// <summary>One node of the broker: a host and a port, written <c>host:port</c> (<c>[::1]:5672</c> for IPv6).</summary>
internal readonly record struct BrokerEndpoint(string Host, int Port)
{
    /// <summary>
    /// Reads <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>; a missing port is <paramref name="defaultPort"/>.
    /// On failure <paramref name="error"/> says what is wrong, quoting only <paramref name="text"/>.
    /// </summary>
    public static bool TryParse(string text, int defaultPort, out BrokerEndpoint endpoint, out string error)
    {
        endpoint = default;
        var trimmed = text.Trim();
        string host;
        string? port = null;
        if (trimmed.StartsWith('['))
        {
            var close = trimmed.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < trimmed.Length && trimmed[close + 1] != ':'))
            {
                error = $"'{trimmed}' is not [ipv6] or [ipv6]:port";
                return false;
            }

            host = trimmed[1..close];
            port = close + 1 < trimmed.Length ? trimmed[(close + 2)..] : null;
        }
        else
        {
            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && trimmed.IndexOf(':', colon + 1) >= 0)
            {
                error = $"'{trimmed}' has more than one ':' (write an IPv6 address in brackets: [::1]:5672)";
                return false;
            }

            host = colon < 0 ? trimmed : trimmed[..colon];
            port = colon < 0 ? null : trimmed[(colon + 1)..];
        }

        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"'{trimmed}' does not start with a host name or address";
            return false;
        }

        var number = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            error = $"'{trimmed}' has no port between 1 and 65535 after the ':'";
            return false;
        }

        endpoint = new BrokerEndpoint(host, number);
        error = "";
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
