using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting;

namespace Pymar.Hosting.Docs.Tests.Snippets;

/// <summary>The settings the worker-hosts page binds from the <c>Jobs</c> section.</summary>
public sealed class ScaleSettings
{
    /// <summary>What the data source multiplies its items by.</summary>
    public int Factor { get; set; } = 1;
}

// docs/worker-hosts.md: registering what a job assembly's types take in their constructors.
public sealed class JobsStartup : IPymarWorkerStartup
{
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScaleSettings>().Bind(configuration.GetSection("Jobs"));   // Jobs__Factor=3 in the environment
    }
}
