using Microsoft.Extensions.Configuration;
using Pymar.Hosting;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.Workers;
using Pymar.Worker.CommandLine;

namespace Pymar.Worker.Hosting;

/// <summary>
/// The worker's configuration layers, each overriding the one before: the worker's defaults, appsettings.json
/// beside the program, appsettings.json in the current directory, environment variables, then the flags.
/// </summary>
internal static class WorkerConfiguration
{
    /// <summary>What the worker assumes when nothing says otherwise: it is pointless without a broker.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Pymar:Transport"] = RabbitMqTransport.Name,
    };

    /// <summary>Adds every layer to <paramref name="configuration"/>.</summary>
    public static void AddLayers(IConfigurationBuilder configuration, WorkerCommandLine line, string programDirectory, string currentDirectory)
    {
        configuration.AddInMemoryCollection(Defaults);
        var besideProgram = Path.GetFullPath(Path.Combine(programDirectory, "appsettings.json"));
        var inCurrentDirectory = Path.GetFullPath(Path.Combine(currentDirectory, "appsettings.json"));
        configuration.AddJsonFile(besideProgram, optional: true, reloadOnChange: false);
        if (!string.Equals(besideProgram, inCurrentDirectory, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            configuration.AddJsonFile(inCurrentDirectory, optional: true, reloadOnChange: false);
        }

        configuration.AddEnvironmentVariables();
        configuration.AddInMemoryCollection(Flags(line));
    }

    /// <summary>The settings the flags stand for.</summary>
    public static Dictionary<string, string?> Flags(WorkerCommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var flags = new Dictionary<string, string?>();
        if (line.Broker is { } broker)
        {
            flags[$"{PymarOptions.SectionName}:Transport"] = RabbitMqTransport.Name;
            foreach (var (key, value) in BrokerArgument.ToSettings(broker, out var error) ?? throw new WorkerInputException($"--broker {error}"))
            {
                flags[key] = value;
            }
        }

        if (line.Workers is { } workers)
        {
            flags[$"{WorkerOptions.SectionName}:Concurrency"] = workers.ToString();
        }

        if (line.Purge)
        {
            flags[$"{WorkerOptions.SectionName}:PurgeOnStart"] = "true";
        }

        if (line.Verbose)
        {
            flags["Serilog:MinimumLevel:Default"] = "Debug";
            flags["Serilog:MinimumLevel:Override:Pymar"] = "Debug";
        }

        return flags;
    }
}
