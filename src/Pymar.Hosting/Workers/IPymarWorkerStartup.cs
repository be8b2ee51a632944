using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pymar.Hosting;

/// <summary>
/// Registers what an assembly's producers and data sources need (options, connection factories, clients) when
/// <c>pymar-worker</c> serves them. The worker creates every public, non-abstract class implementing this interface
/// in the loaded assembly with its parameterless constructor and calls <see cref="ConfigureServices"/> before it
/// registers the producers and data sources named on its command line.
/// </summary>
public interface IPymarWorkerStartup
{
    /// <summary>Adds the services the assembly's producers and data sources take in their constructors.</summary>
    /// <param name="services">The worker host's services.</param>
    /// <param name="configuration">The worker's configuration: appsettings.json files, environment variables and flags.</param>
    void ConfigureServices(IServiceCollection services, IConfiguration configuration);
}
