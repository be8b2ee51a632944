using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pymar.CommandLine;
using Pymar.Hosting;
using Pymar.Hosting.Dashboard.Timeline;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Events;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.Transport;
using Pymar.Hosting.Workers;
using Serilog;

namespace Pymar.Examples;

/// <summary>The examples program: runs one of the Python original's examples on a generic host and prints its answer.</summary>
public static class ExampleProgram
{
    /// <summary>The program's entry point.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>0 on success, 1 when the job failed, 2 for a bad command line.</returns>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, configureServices: null, CancellationToken.None);

    /// <summary>Runs the program with its output going to <paramref name="output"/> and <paramref name="error"/>.</summary>
    internal static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter output,
        TextWriter error,
        Action<IServiceCollection>? configureServices,
        CancellationToken cancellationToken)
    {
        var parsed = ExampleCommandLine.CreateCommand((line, ct) => RunAsync(line, output, error, configureServices, ct)).Parse(args);
        if (OptionRules.FirstError(parsed) is { } message)
        {
            await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            return 2;
        }

        return await parsed.InvokeAsync(OptionRules.Invocation(output, error), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the example the line names, or the worker pool.</summary>
    private static async Task<int> RunAsync(
        ExampleCommandLine line,
        TextWriter output,
        TextWriter error,
        Action<IServiceCollection>? configureServices,
        CancellationToken cancellationToken)
    {
        var isWorker = line.IsWorker;
        var example = Examples.Find(line.Example);
        using var host = BuildHost(line, startWorkers: isWorker || !line.ProducerOnly, configureServices);
        if (isWorker)
        {
            var workers = host.Services.GetRequiredService<WorkerService>();
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            await PrintDashboardAsync(line, error).ConfigureAwait(false);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            if (workers.ExecuteTask is { IsFaulted: true } failed)
            {
                // A service manager must see a worker that could not run (bad credentials, no producer) as failed.
                await error.WriteLineAsync($"error: {failed.Exception!.GetBaseException().Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        }

        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PrintDashboardAsync(line, error).ConfigureAwait(false);
            var recorder = line.Timeline is null ? null : new TimelineRecording();
            var recording = recorder is null ? null : await host.Services.GetRequiredService<IPymarEventBus>().SubscribeAsync(recorder, cancellationToken).ConfigureAwait(false);
            int exitCode;
            try
            {
                exitCode = await RunExampleAsync(host.Services, example!, line, output, error, cancellationToken).ConfigureAwait(false);
                if (recorder is not null)
                {
                    await WriteTimelineAsync(recorder, line.Timeline!, error, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (recording is not null)
                {
                    await recording.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (line.Dashboard is not null)
            {
                // The dashboard is there to be looked at: it stays up after the answer until Ctrl+C.
                await error.WriteLineAsync("dashboard: still serving; Ctrl+C to stop").ConfigureAwait(false);
                await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            return exitCode;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunExampleAsync(IServiceProvider services, Example example, ExampleCommandLine line, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<ProducerClient>();
        var progress = new ConsoleProgress(error);
        var options = new MapOptions
        {
            SliceCount = line.Slices,
            Timeout = line.Timeout,
            ComputeLocally = line.Local ? true : null,
            Progress = progress,
        };

        var started = Stopwatch.GetTimestamp();
        string answer;
        try
        {
            answer = await example.Run(client, services, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PymarException or TimeoutException)
        {
            progress.Complete();
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException ex) when (services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM stops the host, and the host's stopping ends the job in flight.
            progress.Complete();
            await error.WriteLineAsync($"stopped: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        progress.Complete();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var transport = services.GetRequiredService<IPymarTransport>().Description;
        var where = line.Local ? "local mode" : $"{transport}, {Describe(services)}";
        await output.WriteLineAsync($"{example.Name}: {answer}").ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"time: {elapsed.TotalSeconds:0.000} s ({where})")).ConfigureAwait(false);
        return 0;
    }

    private static async Task PrintDashboardAsync(ExampleCommandLine line, TextWriter error)
    {
        if (line.Dashboard is { } url)
        {
            await error.WriteLineAsync($"dashboard: {url.TrimEnd('/')}{DashboardPath}/").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the timeline once the job's events are in: the producer's <c>job.finished</c> and every slice's end,
    /// which remote workers send on their own connections (so they may arrive a little after the answer).
    /// </summary>
    private static async Task WriteTimelineAsync(TimelineRecording recorder, string path, TextWriter error, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
        while (!HasEveryEnd(recorder.Events) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }

        await TimelineWriter.WriteAsync(path, recorder.Events, cancellationToken).ConfigureAwait(false);
        await error.WriteLineAsync($"timeline: {path}").ConfigureAwait(false);
    }

    private static bool HasEveryEnd(IReadOnlyList<PymarEvent> events)
    {
        var ended = events.Where(e => e.Kind is PymarEventKinds.JobFinished or PymarEventKinds.JobFailed
            && events.Any(s => s.Kind == PymarEventKinds.JobStarted && s.JobId == e.JobId)).ToList();
        return ended.Count > 0 && ended.All(job =>
            events.Where(e => e.JobId == job.JobId && e.Kind is PymarEventKinds.SliceFinished or PymarEventKinds.SliceFailed)
                .Select(e => e.SliceIndex).Distinct().Count() >= (job.Answered ?? job.SliceCount ?? 0));
    }

    private static string Describe(IServiceProvider services)
    {
        var workers = services.GetService<WorkerService>();
        return workers is null
            ? "no workers in this process"
            : string.Create(CultureInfo.InvariantCulture, $"{services.GetRequiredService<IOptions<WorkerOptions>>().Value.Concurrency} worker slot(s) in this process");
    }

    private const string DashboardPath = "/pymar";

    private static IHost BuildHost(ExampleCommandLine line, bool startWorkers, Action<IServiceCollection>? configureServices)
    {
        // With --dashboard the host is a web application that also serves the page; otherwise a plain generic host.
        var web = line.Dashboard is null ? null : WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        IHostApplicationBuilder builder = web as IHostApplicationBuilder ?? Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });

        // appsettings.json beside the program, then in the current directory, then environment variables, then flags.
        builder.Configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(Overrides(line));

        builder.Services.AddSerilog((_, logger) => logger.ReadFrom.Configuration(builder.Configuration), preserveStaticLogger: true, writeToProviders: false);
        if (line.IsWorker)
        {
            // A worker host a service manager can run: READY=1 once consuming, SIGTERM drains.
            builder.UsePymarWorkerService();
        }

        var pymar = builder.Services.AddPymar(builder.Configuration).AddExamples().UseRabbitMq();

        // Events (Pymar:Events:Enabled, on unless turned off) travel where the slices do.
        var inProcess = string.Equals(builder.Configuration["Pymar:Transport"], PymarOptions.InProcessTransport, StringComparison.OrdinalIgnoreCase);
        _ = inProcess ? pymar.AddEvents() : pymar.UseRabbitMqEvents();
        if (line.Dashboard is not null || line.Timeline is not null)
        {
            pymar.AddEvents(options => options.Enabled = true);
        }

        if (line.Dashboard is not null)
        {
            pymar.AddDashboard();
        }

        AddOpenTelemetry(builder);
        if (startWorkers)
        {
            pymar.AddWorkers(options =>
            {
                if (line.Workers is { } workers)
                {
                    options.Concurrency = workers;
                }
            });
        }

        configureServices?.Invoke(builder.Services);
        if (web is null)
        {
            return ((HostApplicationBuilder)builder).Build();
        }

        web.WebHost.UseUrls(line.Dashboard!);
        web.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var app = web.Build();
        app.MapPymarDashboard(DashboardPath);
        return app;
    }

    /// <summary>
    /// Traces and metrics of Pymar.Hosting through OpenTelemetry, exported over OTLP when an endpoint is set
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>Otel:Endpoint</c> in appsettings.json); without one nothing is added.
    /// </summary>
    private static void AddOpenTelemetry(IHostApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } fromEnvironment ? fromEnvironment : builder.Configuration["Otel:Endpoint"];
        if (string.IsNullOrEmpty(endpoint))
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(PymarTelemetry.Name).AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint)))
            .WithMetrics(metrics => metrics.AddMeter(PymarTelemetry.Name).AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint)));
    }

    private static Dictionary<string, string?> Overrides(ExampleCommandLine line)
    {
        var overrides = new Dictionary<string, string?>();
        if (line.Broker is { } broker)
        {
            overrides["Pymar:Transport"] = RabbitMqTransport.Name;
            foreach (var (key, value) in BrokerArgument.ToSettings(broker, out var error) ?? throw new FormatException($"--broker {error}"))
            {
                overrides[key] = value;
            }
        }

        if (line.Postgres is { } postgres)
        {
            overrides[Pymar.Examples.Sql.SqlExamples.ProviderKey] = "PostgreSql";
            overrides["ConnectionStrings:" + Pymar.Examples.Sql.SqlExamples.DatabaseName] = postgres;
        }

        if (line.TextFile is { } file)
        {
            overrides[Pymar.Examples.Sql.SqlExamples.FileKey] = file;
        }

        if (line.Verbose)
        {
            overrides["Serilog:MinimumLevel:Default"] = "Debug";
            overrides["Serilog:MinimumLevel:Override:Pymar"] = "Debug";
        }

        return overrides;
    }
}
