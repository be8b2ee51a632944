using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting;

namespace Pymar.Worker.Tests.Jobs;

/// <summary>The job assembly's registration hook: binds <see cref="ScaleSettings"/> from the <c>Jobs</c> section.</summary>
public sealed class JobsStartup : IPymarWorkerStartup
{
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ScaleSettings>().Bind(configuration.GetSection(ScaleSettings.SectionName));

        // A keyed service, as real startups register: registration code that scans descriptors must cope with it.
        services.AddKeyedSingleton("jobs", new ScaleSettings());
    }
}
