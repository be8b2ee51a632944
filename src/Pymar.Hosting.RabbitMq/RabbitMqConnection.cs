using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// The process's one connection to the broker, opened on first use with automatic recovery. A lost connection and
/// its recovery are logged once each.
/// </summary>
internal sealed class RabbitMqConnection : IAsyncDisposable
{
    private readonly BrokerAddress _address;
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IConnection? _connection;

    public RabbitMqConnection(BrokerAddress address, RabbitMqOptions options, ILogger logger)
    {
        _address = address;
        _options = options;
        _logger = logger;
    }

    public BrokerAddress Address => _address;

    /// <summary>True while a connection is open (or recovering counts as not open).</summary>
    public bool IsOpen => _connection is { IsOpen: true };

    public async ValueTask<IConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _connection ??= await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            try
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException or OperationCanceledException)
            {
                // Closing a connection that is already gone.
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _lock.Dispose();
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = _address.Uri.Host,
            Port = _address.Uri.Port,
            VirtualHost = _address.VirtualHost,
            UserName = _address.UserName,
            Password = _address.Password,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            RequestedConnectionTimeout = _options.ConnectionTimeout,
            ClientProvidedName = $"pymar {Environment.MachineName}/{Environment.ProcessId}",
            MaxInboundMessageBodySize = (uint)Math.Max(_options.MaxMessageBytes + (64 * 1024), 64 * 1024 * 1024),
        };
        if (_address.UseTls)
        {
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = _address.TlsServerName ?? _address.Uri.Host,
                AcceptablePolicyErrors = SslPolicyErrors.None,
            };
            if (_options.TlsCaCertificatePath is { Length: > 0 } caPath)
            {
                factory.Ssl.CertificateValidationCallback = TlsValidation.TrustingOnly(X509CertificateLoader.LoadCertificateFromFile(caPath));
            }
        }

        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex) when (FindAuthenticationFailure(ex) is not null)
        {
            throw new PymarConfigurationException(
                $"RabbitMQ at {_address.Display} refused the credentials of user '{_address.UserName}'. Check {RabbitMqOptions.SectionName}:UserName and {RabbitMqOptions.SectionName}:Password (or the URI).");
        }
        catch (BrokerUnreachableException ex) when (Find<AuthenticationException>(ex) is { } tls)
        {
            throw new TransportUnavailableException($"The TLS handshake with RabbitMQ at {_address.Display} failed: {_address.Scrub(tls.Message)} Check the server certificate, {RabbitMqOptions.SectionName}:TlsServerName and {RabbitMqOptions.SectionName}:TlsCaCertificatePath.");
        }
        catch (BrokerUnreachableException ex)
        {
            throw new TransportUnavailableException($"Cannot reach RabbitMQ at {_address.Display}: {_address.Scrub(Describe(ex))}");
        }

        connection.ConnectionShutdownAsync += OnShutdownAsync;
        connection.RecoverySucceededAsync += OnRecoveredAsync;
        RabbitMqLog.Connected(_logger, _address.Display);
        return connection;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConnectionLost(_logger, _address.Display, _address.Scrub(args.ReplyText));
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        RabbitMqLog.ConnectionRecovered(_logger, _address.Display);
        return Task.CompletedTask;
    }

    private static AuthenticationFailureException? FindAuthenticationFailure(Exception exception) => Find<AuthenticationFailureException>(exception);

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }
}
