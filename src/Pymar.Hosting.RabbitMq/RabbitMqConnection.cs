using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// The process's one connection to the broker, opened on first use with automatic recovery, to whichever of the
/// configured nodes answers (and, after a loss, to whichever answers then). The node it is on, a lost connection and
/// its recovery are logged once each. With <see cref="RabbitMqOptions.UseConnectionFromServices"/> it is the connection
/// the app registered instead, borrowed: used as it is and never closed here.
/// </summary>
internal sealed class RabbitMqConnection : IAsyncDisposable
{
    private readonly BrokerAddress _address;
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly AsyncLazy<IConnection> _connection;
    private readonly bool _borrowed;
    private AsyncEventHandler<ShutdownEventArgs>? _onShutdown;
    private AsyncEventHandler<AsyncEventArgs>? _onRecovered;
    private AsyncEventHandler<ConnectionBlockedEventArgs>? _onBlocked;
    private AsyncEventHandler<AsyncEventArgs>? _onUnblocked;
    private volatile bool _blocked;
    private readonly ConnectionLossSignal _lost;

    public RabbitMqConnection(BrokerAddress address, RabbitMqOptions options, ILogger logger)
    {
        _address = address;
        _options = options;
        _logger = logger;
        _connection = new AsyncLazy<IConnection>(() => ConnectAsync(_disposing.Token));
        _lost = new ConnectionLossSignal(() => IsOpen, TimeProvider.System);
    }

    private RabbitMqConnection(IServiceProvider services, RabbitMqOptions options, ILogger logger)
    {
        _address = BrokerAddress.FromServices;
        _options = options;
        _logger = logger;
        _borrowed = true;
        _connection = new AsyncLazy<IConnection>(() => Task.FromResult(Borrow(services)));
        _lost = new ConnectionLossSignal(() => IsOpen, TimeProvider.System);
    }

    /// <summary>
    /// The connection the options ask for: the one registered in <paramref name="services"/> with
    /// <see cref="RabbitMqOptions.UseConnectionFromServices"/>, else one of its own to the configured broker.
    /// </summary>
    public static RabbitMqConnection Create(RabbitMqOptions options, IServiceProvider? services, ILogger logger)
    {
        if (!options.UseConnectionFromServices)
        {
            return new RabbitMqConnection(BrokerAddress.From(options), options, logger);
        }

        return services is null
            ? throw new PymarConfigurationException($"{RabbitMqOptions.SectionName}:UseConnectionFromServices needs the app's services: register the transport with UseRabbitMq().")
            : new RabbitMqConnection(services, options, logger);
    }

    /// <summary>What is wrong with using the connection from the app's services, or null; checked at start.</summary>
    internal static string? ProblemWithServices(IServiceProviderIsService services) =>
        services.IsService(typeof(IConnection)) ? null : NoConnectionRegistered;

    private const string NoConnectionRegistered =
        $"{RabbitMqOptions.SectionName}:UseConnectionFromServices is true but no RabbitMQ.Client.IConnection is registered in the app's services: register one (builder.AddRabbitMQClient(\"name\") from Aspire.RabbitMQ.Client registers it), or set {RabbitMqOptions.SectionName}:UseConnectionFromServices to false to let Pymar open its own.";

    public BrokerAddress Address => _address;

    /// <summary>True while a connection is open (recovering counts as not open).</summary>
    public bool IsOpen => _connection.ValueOrDefault is { IsOpen: true };

    /// <summary>True while RabbitMQ blocks the connection's publishes (a memory or disk alarm).</summary>
    public bool IsBlocked => _blocked;

    public Task<IConnection> GetAsync(CancellationToken cancellationToken) => _connection.GetAsync(cancellationToken);

    /// <summary>Cancelled once the connection is seen closed: every publish carries it (see <see cref="ConnectionLossSignal"/>).</summary>
    public CancellationToken WhileOpen => _lost.Token;

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        _lost.Dispose();
        var connection = _connection.ValueOrDefault;
        if (connection is not null && _borrowed)
        {
            // Its owner closes it (and may have disposed it already, ending before Pymar at the end of the app).
            try
            {
                connection.ConnectionShutdownAsync -= _onShutdown;
                connection.RecoverySucceededAsync -= _onRecovered;
                connection.ConnectionBlockedAsync -= _onBlocked;
                connection.ConnectionUnblockedAsync -= _onUnblocked;
            }
            catch (ObjectDisposedException)
            {
            }
        }
        else if (connection is not null)
        {
            await connection.CloseQuietlyAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _disposing.Dispose();
    }

    /// <summary>The factory and the node list: every node shares the credentials, TLS settings and limits.</summary>
    internal (ConnectionFactory Factory, List<AmqpTcpEndpoint> Endpoints) Describe()
    {
        var maxBody = (uint)Math.Max(_options.MaxMessageBytes + (64 * 1024), 64 * 1024 * 1024);
        var factory = new ConnectionFactory
        {
            VirtualHost = _address.VirtualHost,
            UserName = _address.UserName,
            Password = _address.Password,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            TopologyRecoveryExceptionHandler = RabbitMqTopologyRecovery.Handler(_logger),
            RequestedConnectionTimeout = _options.ConnectionTimeout,
            RequestedHeartbeat = _options.Heartbeat,
            ClientProvidedName = $"pymar {Environment.MachineName}/{Environment.ProcessId}",
            MaxInboundMessageBodySize = maxBody,
        };
        var endpoints = _address.Endpoints.Select(e => new AmqpTcpEndpoint(e.Host, e.Port, Tls(e.Host), maxBody)).ToList();
        return (factory, endpoints);
    }

    private SslOption Tls(string host)
    {
        if (!_address.UseTls)
        {
            return new SslOption();
        }

        var ssl = new SslOption
        {
            Enabled = true,
            ServerName = _address.TlsServerName ?? host,
            AcceptablePolicyErrors = SslPolicyErrors.None,
        };
        if (_options.TlsCaCertificatePath is { Length: > 0 } caPath)
        {
            ssl.CertificateValidationCallback = TlsValidation.TrustingOnly(X509CertificateLoader.LoadCertificateFromFile(caPath));
        }

        return ssl;
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var (factory, endpoints) = Describe();
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(endpoints, factory.ClientProvidedName, cancellationToken).ConfigureAwait(false);
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
            // With several nodes, say what the broker's state is: not one node accepts clients (stopped, unreachable,
            // or paused because it is in a minority of its cluster).
            var state = _address.Endpoints.Count > 1
                ? $"none of its {_address.Endpoints.Count} nodes accepts connections (they are down, unreachable, or paused in a minority of their cluster): "
                : "";
            throw new TransportUnavailableException($"Cannot reach RabbitMQ at {_address.Display}: {state}{_address.Scrub(Innermost(ex))}");
        }

        Watch(connection);
        return connection;
    }

    private IConnection Borrow(IServiceProvider services)
    {
        if (services.GetService<IConnectionFactory>() is ConnectionFactory { AutomaticRecoveryEnabled: false })
        {
            throw new PymarConfigurationException(
                $"{RabbitMqOptions.SectionName}:UseConnectionFromServices needs a connection that recovers by itself, but the registered ConnectionFactory has AutomaticRecoveryEnabled set to false.");
        }

        // Resolving it may open it (Aspire's registration connects when first resolved, retrying).
        var connection = services.GetService<IConnection>()
            ?? throw new PymarConfigurationException(NoConnectionRegistered);
        Watch(connection);
        return connection;
    }

    private void Watch(IConnection connection)
    {
        // The client may raise these with an inner connection as the sender: name the node of the one used here.
        _onShutdown = (_, args) => OnShutdownAsync(connection, args);
        _onRecovered = (_, _) => OnRecoveredAsync(connection);
        connection.ConnectionShutdownAsync += _onShutdown;
        connection.RecoverySucceededAsync += _onRecovered;
        _onBlocked = (_, args) => OnBlockedAsync(args.Reason);
        _onUnblocked = (_, _) => OnUnblockedAsync();
        connection.ConnectionBlockedAsync += _onBlocked;
        connection.ConnectionUnblockedAsync += _onUnblocked;
        RabbitMqLog.Connected(_logger, Node(connection));
    }

    private string Node(IConnection connection) =>
        _borrowed
            ? $"{(connection.Endpoint.Ssl.Enabled ? "amqps" : "amqp")}://{new BrokerEndpoint(connection.Endpoint.HostName, connection.Endpoint.Port)} (the app's IConnection)"
            : _address.DisplayNode(connection.Endpoint.HostName, connection.Endpoint.Port);

    private Task OnShutdownAsync(IConnection connection, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConnectionLost(_logger, Node(connection), _address.Scrub(args.ReplyText));
        }

        return Task.CompletedTask;
    }

    private Task OnBlockedAsync(string reason)
    {
        _blocked = true;
        RabbitMqLog.ConnectionBlocked(_logger, reason);
        return Task.CompletedTask;
    }

    private Task OnUnblockedAsync()
    {
        _blocked = false;
        RabbitMqLog.ConnectionUnblocked(_logger);
        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(IConnection connection)
    {
        _blocked = false;
        RabbitMqLog.ConnectionRecovered(_logger, Node(connection));
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

    private static string Innermost(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }
}
