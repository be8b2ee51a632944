using Microsoft.CodeAnalysis;

namespace Pymar.Hosting.Analyzers;

/// <summary>The Pymar.Hosting types the analyzers look for; null when the compilation does not reference Pymar.Hosting.</summary>
internal sealed class PymarTypes
{
    private PymarTypes(Compilation compilation, INamedTypeSymbol producer, INamedTypeSymbol producerOfT)
    {
        Producer = producer;
        ProducerOfT = producerOfT;
        ProducerClient = compilation.GetTypeByMetadataName("Pymar.Hosting.ProducerClient");
        DataSourceFactory = compilation.GetTypeByMetadataName("Pymar.Hosting.DataSourceFactory`1");
        BuilderExtensions = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.PymarBuilderExtensions");
        ServiceCollectionExtensions = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.PymarServiceCollectionExtensions");
    }

    public INamedTypeSymbol Producer { get; }

    public INamedTypeSymbol ProducerOfT { get; }

    public INamedTypeSymbol? ProducerClient { get; }

    public INamedTypeSymbol? DataSourceFactory { get; }

    public INamedTypeSymbol? BuilderExtensions { get; }

    public INamedTypeSymbol? ServiceCollectionExtensions { get; }

    public static PymarTypes? From(Compilation compilation)
    {
        var producer = compilation.GetTypeByMetadataName("Pymar.Hosting.Producer");
        var producerOfT = compilation.GetTypeByMetadataName("Pymar.Hosting.Producer`2");
        return producer is null || producerOfT is null ? null : new PymarTypes(compilation, producer, producerOfT);
    }

    /// <summary>The <c>Producer&lt;TItem, TValue&gt;</c> that <paramref name="type"/> derives from, or null.</summary>
    public INamedTypeSymbol? FindProducerBase(ITypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, ProducerOfT))
            {
                return current;
            }
        }

        return null;
    }
}
