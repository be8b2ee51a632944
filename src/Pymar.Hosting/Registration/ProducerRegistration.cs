namespace Pymar.Hosting.Registration;

/// <summary>A producer registered under a name; the name is what slice messages carry.</summary>
/// <param name="Name">The registered name (by default the type's simple name).</param>
/// <param name="ProducerType">The producer's type (information only; never read from a message).</param>
/// <param name="Resolve">Resolves the producer from a service provider.</param>
internal sealed record ProducerRegistration(string Name, Type ProducerType, Func<IServiceProvider, Producer> Resolve)
{
    /// <summary>The <c>TItem</c> of the producer's <see cref="Producer{TItem, TValue}"/> base.</summary>
    public Type ItemType => ProducerBase.GetGenericArguments()[0];

    /// <summary>The <c>TValue</c> of the producer's <see cref="Producer{TItem, TValue}"/> base.</summary>
    public Type ValueType => ProducerBase.GetGenericArguments()[1];

    private Type ProducerBase => FindProducerBase(ProducerType)!;

    /// <summary>The closed <see cref="Producer{TItem, TValue}"/> that <paramref name="type"/> derives from, or null.</summary>
    public static Type? FindProducerBase(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Producer<,>))
            {
                return t;
            }
        }

        return null;
    }
}
