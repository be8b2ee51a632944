using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Pymar.Hosting.RabbitMq;

/// <summary>Server certificate validation against a private certificate authority.</summary>
internal static class TlsValidation
{
    /// <summary>
    /// Accepts a server certificate whose name matches and whose chain ends at <paramref name="authority"/>;
    /// certificates the machine trusts anyway are accepted as usual.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustingOnly(X509Certificate2 authority) =>
        (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var server = new X509Certificate2(certificate);
            return chain.Build(server);
        };
}
