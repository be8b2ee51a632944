namespace Pymar.Hosting.Registration;

/// <summary>A producer registered under a name; the name is what slice messages carry.</summary>
public sealed class ProducerRegistration
{
    internal ProducerRegistration(string name, Type producerType, Func<IServiceProvider, Producer> resolve)
    {
        Name = name;
        ProducerType = producerType;
        Resolve = resolve;
    }

    /// <summary>The registered name (by default the type's simple name).</summary>
    public string Name { get; }

    /// <summary>The producer's type (information only; never read from a message).</summary>
    public Type ProducerType { get; }

    internal Func<IServiceProvider, Producer> Resolve { get; }
}
