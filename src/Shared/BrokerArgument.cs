using System.Globalization;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// A broker named on a command line (<c>pymar-worker -q</c>, the examples' <c>--broker</c>), in any of Pymar's forms,
/// turned into the <c>Pymar:Broker</c> settings it stands for. The user name and password stay those of the
/// configuration unless an <c>amqp://</c> URI carries its own.
/// <list type="bullet">
/// <item><c>10.0.0.5</c> → <c>Host</c>; <c>10.0.0.5:5673</c> → <c>Host</c> and <c>Port</c>.</item>
/// <item><c>rabbit1,rabbit2:5673,rabbit3</c> (a cluster) → <c>Hosts:0..n</c>, each <c>host</c> or <c>host:port</c>; the
/// first also as <c>Host</c>/<c>Port</c>.</item>
/// <item><c>amqp://user:pass@host:5672/vhost</c> or <c>amqps://…</c> → <c>Uri</c>.</item>
/// </list>
/// A host form clears a <c>Uri</c> set by an earlier layer, since a URI would otherwise win over it.
/// Compiled as a linked source file into each program that reads a broker from its command line.
/// </summary>
internal static class BrokerArgument
{
    /// <summary>What the value may be, for help texts and errors.</summary>
    public const string Forms = "a host, host:port, a comma-separated list of them (a cluster) or an amqp:// URI";

    /// <summary>
    /// The settings <paramref name="value"/> stands for, keyed by their full configuration path; null with a
    /// one-line <paramref name="error"/> (never the password) when it is none of the forms.
    /// </summary>
    public static Dictionary<string, string?>? ToSettings(string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        const string Key = RabbitMqOptions.SectionName;
        error = null;
        value = value.Trim();
        if (value.Contains("://", StringComparison.Ordinal))
        {
            // The same reading as Pymar:Broker:Uri, host list included (System.Uri cannot hold one).
            if (!value.StartsWith("amqp://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("amqps://", StringComparison.OrdinalIgnoreCase))
            {
                error = $"must be {Forms} such as amqp://user:pass@host:5672/vhost (got '{BrokerUri.Redact(value)}').";
                return null;
            }

            if (BrokerUri.Problem(value) is { } problem)
            {
                error = $"must be {Forms} such as amqp://user:pass@host1:5672,host2:5672/vhost (got '{BrokerUri.Redact(value)}': {problem}).";
                return null;
            }

            return new() { [$"{Key}:Uri"] = value };
        }

        var entries = value.Split(',', StringSplitOptions.TrimEntries);
        var settings = new Dictionary<string, string?> { [$"{Key}:Uri"] = "" };
        for (var i = 0; i < entries.Length; i++)
        {
            if (!TryHost(entries[i], out var host, out var port))
            {
                error = $"must be {Forms} (got '{BrokerUri.Redact(value)}': '{entries[i]}' is not a host or host:port).";
                return null;
            }

            if (i == 0)
            {
                settings[$"{Key}:Host"] = host;
                settings[$"{Key}:Port"] = port?.ToString(CultureInfo.InvariantCulture);
            }

            if (entries.Length > 1)
            {
                settings[$"{Key}:Hosts:{i}"] = entries[i];
            }
        }

        return settings;
    }

    /// <summary>A bare <c>host</c> or <c>host:port</c> (IPv6 in brackets), nothing more.</summary>
    private static bool TryHost(string entry, out string host, out int? port)
    {
        host = "";
        port = null;
        if (entry.Length == 0 || entry.IndexOfAny(['@', '/', '?', '#', ' ']) >= 0
            || !Uri.TryCreate("amqp://" + entry, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return false;
        }

        host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port;
        return port is null || port > 0;
    }
}
