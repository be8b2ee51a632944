using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting;

/// <summary>Returned by <c>AddPymar(...)</c>; its extension methods register producers, data sources, workers and transports.</summary>
public interface IPymarBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }
}

/// <summary>The default <see cref="IPymarBuilder"/>.</summary>
internal sealed record PymarBuilder(IServiceCollection Services) : IPymarBuilder;
