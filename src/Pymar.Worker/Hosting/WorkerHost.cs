using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.WindowsServices;
using Microsoft.Extensions.Logging;
using Pymar.Hosting;
using Pymar.Worker.CommandLine;
using Pymar.Worker.Loading;
using Serilog;

namespace Pymar.Worker.Hosting;

/// <summary>Builds the worker's generic host: configuration, Serilog, service lifetimes, the job's types and the pool.</summary>
internal static class WorkerHost
{
    /// <summary>The service name under the Windows service manager.</summary>
    public const string ServiceName = "pymar-worker";

    public static IHost Build(WorkerCommandLine line, JobAssembly jobs, IReadOnlyList<Type> producers, IReadOnlyList<Type> dataSources)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(jobs);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            DisableDefaults = true,
            ApplicationName = "pymar-worker",
            ContentRootPath = AppContext.BaseDirectory,
        });
        WorkerConfiguration.AddLayers(builder.Configuration, line, AppContext.BaseDirectory, Directory.GetCurrentDirectory());

        // Under the Windows service manager the console goes nowhere: the Windows event log (source pymar-worker)
        // receives what Serilog logs, as well as any sink configured.
        var asWindowsService = OperatingSystem.IsWindows() && WindowsServiceHelpers.IsWindowsService();
        if (OperatingSystem.IsWindows() && asWindowsService)
        {
            AddEventLog(builder.Logging);
        }

        builder.Services.AddSerilog(
            (_, logger) =>
            {
                logger.ReadFrom.Configuration(builder.Configuration).Enrich.FromLogContext();
                if (!builder.Configuration.GetSection("Serilog:WriteTo").GetChildren().Any())
                {
                    logger.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                }
            },
            preserveStaticLogger: true,
            writeToProviders: asWindowsService);

        builder.Services.AddPymarWorkerService(ServiceName);

        // Events for the dashboard on the same broker (Pymar:Events:Enabled=false turns them off).
        var pymar = builder.Services.AddPymar(builder.Configuration).UseRabbitMq().UseRabbitMqEvents();

        // The job's own services before its types, so that a startup may also provide a producer or data source itself.
        foreach (var startup in jobs.CreateStartups())
        {
            try
            {
                startup.ConfigureServices(builder.Services, builder.Configuration);
            }
            catch (Exception ex)
            {
                throw new WorkerInputException($"startup {startup.GetType().FullName} in {jobs.FileName} failed: {JobAssembly.OneLine(ex.Message)}", ex);
            }
        }

        foreach (var producer in producers)
        {
            builder.Services.AddPymarProducer(producer);
        }

        foreach (var dataSource in dataSources)
        {
            builder.Services.AddPymarDataSource(dataSource);
        }

        var served = producers.Select(p => p.Name).ToArray();
        pymar.AddWorkers(options =>
        {
            // Serve what the command line names, not whatever else a startup registered.
            options.Producers.Clear();
            foreach (var name in served)
            {
                options.Producers.Add(name);
            }
        });
        return builder.Build();
    }

    [SupportedOSPlatform("windows")]
    private static void AddEventLog(ILoggingBuilder logging) => logging.AddEventLog(settings => settings.SourceName = ServiceName);
}
