using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting;

/// <summary>The default <see cref="IPymarBuilder"/>.</summary>
internal sealed class PymarBuilder(IServiceCollection services, IConfiguration? configuration) : IPymarBuilder
{
    public IServiceCollection Services => services;

    public IConfiguration? Configuration => configuration;
}
