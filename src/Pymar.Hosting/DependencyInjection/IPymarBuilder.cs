using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting;

/// <summary>Returned by <c>AddPymar(...)</c>; its extension methods register producers, data sources, workers and transports.</summary>
public interface IPymarBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The configuration <c>AddPymar</c> was given, if any; sections under <c>Pymar</c> are bound from it.</summary>
    IConfiguration? Configuration { get; }
}
