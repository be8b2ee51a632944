using System.Text.RegularExpressions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Hides the password of a broker URI given as text. Compiled as a linked source file into the RabbitMQ transport
/// and into the programs that read a broker from their command line (<c>BrokerArgument</c>).
/// </summary>
internal static partial class BrokerUriRedaction
{
    /// <summary>Removes a password from a URI given as text, for validation messages.</summary>
    public static string Redact(string uri) => UserInfoPassword().Replace(uri, "$1:***@");

    [GeneratedRegex("^([a-z]+://[^:/@]*):[^@]*@", RegexOptions.IgnoreCase)]
    private static partial Regex UserInfoPassword();
}
