namespace Pymar.Hosting.Transport;

/// <summary>A transport that configuration can choose by name through <c>Pymar:Transport</c>.</summary>
public sealed class TransportRegistration
{
    /// <summary>Registers a transport under a name.</summary>
    /// <param name="name">The name <c>Pymar:Transport</c> uses to choose it, such as <c>RabbitMq</c>.</param>
    /// <param name="create">Creates the transport from the host's services.</param>
    public TransportRegistration(string name, Func<IServiceProvider, IPymarTransport> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Create = create;
    }

    /// <summary>The name that chooses this transport.</summary>
    public string Name { get; }

    /// <summary>Creates the transport.</summary>
    public Func<IServiceProvider, IPymarTransport> Create { get; }
}
