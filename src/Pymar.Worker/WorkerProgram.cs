using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.CommandLine;
using Pymar.Hosting;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;
using Pymar.Worker.CommandLine;
using Pymar.Worker.Hosting;
using Pymar.Worker.Loading;

namespace Pymar.Worker;

/// <summary>
/// <c>pymar-worker</c>: serves the producers of a compiled assembly as a worker pool until stopped, the .NET
/// equivalent of Pymar's worker.py.
/// </summary>
internal static partial class WorkerProgram
{
    /// <summary>Exit code when the worker stopped normally (also after SIGTERM or a service stop).</summary>
    public const int Stopped = 0;

    /// <summary>Exit code when the worker failed while running.</summary>
    public const int Failed = 1;

    /// <summary>Exit code for a bad command line, assembly, type name or setting.</summary>
    public const int BadInput = 2;

    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var parsed = WorkerCommandLine.CreateCommand((line, _) => RunAsync(line, error)).Parse(args);
        if (OptionRules.FirstError(parsed) is { } message)
        {
            await error.WriteLineAsync($"pymar-worker: error: {message}").ConfigureAwait(false);
            return BadInput;
        }

        return await parsed.InvokeAsync(OptionRules.Invocation(output, error)).ConfigureAwait(false);
    }

    /// <summary>Loads the assembly, builds the host and runs it until it is stopped.</summary>
    private static async Task<int> RunAsync(WorkerCommandLine line, TextWriter error)
    {
        IHost host;
        try
        {
            var jobs = JobAssembly.Load(line.AssemblyPath);
            var producers = Distinct(line.Producers.Select(jobs.FindProducer), "producer");
            var dataSources = Distinct(line.DataSources.Select(jobs.FindDataSource), "data source");
            host = WorkerHost.Build(line, jobs, producers, dataSources);
            try
            {
                LogStart(host.Services, jobs, producers, dataSources);
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is WorkerInputException or OptionsValidationException or PymarConfigurationException or ArgumentException)
        {
            await error.WriteLineAsync($"pymar-worker: error: {JobAssembly.OneLine(ex.Message)}").ConfigureAwait(false);
            return BadInput;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is FormatException format)
        {
            // A setting the configuration binder cannot read (Pymar:Worker:Concurrency "2..x"): its key, then why.
            await error.WriteLineAsync($"pymar-worker: error: {JobAssembly.OneLine(ex.Message)} {JobAssembly.OneLine(format.Message)}").ConfigureAwait(false);
            return BadInput;
        }

        using (host)
        {
            return await RunAsync(host, error).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the host until it is stopped; the pool's failure makes the exit code non-zero.</summary>
    private static async Task<int> RunAsync(IHost host, TextWriter error)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var workers = host.Services.GetRequiredService<WorkerService>();
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopped (SIGTERM, Ctrl+C, service stop) before the host had started: a normal stop.
        }
        catch (Exception ex)
        {
            // The host has logged the error with its stack; one line on stderr says why the exit code is not 0.
            await host.StopAsync().ConfigureAwait(false);
            await error.WriteLineAsync($"pymar-worker: error: {JobAssembly.OneLine(ex.Message)}").ConfigureAwait(false);
            return Failed;
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
        if (workers.ExecuteTask is { IsFaulted: true } failed)
        {
            var reason = failed.Exception.InnerException ?? failed.Exception;
            await error.WriteLineAsync($"pymar-worker: error: {JobAssembly.OneLine(reason.Message)}").ConfigureAwait(false);
            return Failed;
        }

        return Stopped;
    }

    /// <summary>One line at start: what is served, through which broker (never its password), how many at once.</summary>
    private static void LogStart(IServiceProvider services, JobAssembly jobs, Type[] producers, Type[] dataSources)
    {
        // Resolving the options and the transport validates them, so a bad setting stops here with its key named.
        var options = services.GetRequiredService<IOptions<PymarOptions>>().Value;
        var concurrency = services.GetRequiredService<IOptions<WorkerOptions>>().Value.Concurrency;
        var transport = services.GetRequiredService<IPymarTransport>();
        if (string.Equals(options.Transport, PymarOptions.InProcessTransport, StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkerInputException(
                $"Pymar:Transport is '{PymarOptions.InProcessTransport}', so this worker would serve only its own process: give --broker HOST (or an amqp:// URI) or set Pymar:Transport to {Pymar.Hosting.RabbitMq.RabbitMqTransport.Name}.");
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Pymar.Worker");
        Log.Starting(
            logger,
            typeof(WorkerProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?",
            string.Join(", ", producers.Select(p => p.Name)),
            dataSources.Length == 0 ? "(none)" : string.Join(", ", dataSources.Select(d => d.Name)),
            jobs.FileName,
            transport.Description,
            concurrency.ToString());
    }

    private static Type[] Distinct(IEnumerable<Type> types, string kind)
    {
        var distinct = types.Distinct().ToArray();
        var clash = distinct.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return clash is null ? distinct : throw new WorkerInputException(
            $"two {kind}s would be served under the name '{clash.Key}': {string.Join(", ", clash.Select(t => t.FullName))}; serve one of them per worker.");
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "pymar-worker {Version} serving producers {Producers} (data sources {DataSources}) from {Assembly} through {Broker} with concurrency {Concurrency}")]
        public static partial void Starting(ILogger logger, string version, string producers, string dataSources, string assembly, string broker, string concurrency);
    }
}
