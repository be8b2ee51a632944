using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Pymar.CommandLine;
using Pymar.Examples;
using Pymar.Hosting.Workers;

namespace Pymar.Hosting.TestWorker;

/// <summary>
/// A worker pool or a one-job producer on a generic host, configured from the environment like any Pymar host, for
/// the broker integration tests. Logs go to stdout, one line each, with Pymar's categories at Debug level so that
/// the tests see every slice start and finish.
/// </summary>
public static class TestWorkerProgram
{
    /// <summary>The program's entry point.</summary>
    /// <param name="args">The command line (see <see cref="TestWorkerCommandLine"/>).</param>
    /// <returns>0 on success, 1 when the job or the worker failed, 2 for a bad command line.</returns>
    public static async Task<int> Main(string[] args)
    {
        var parsed = TestWorkerCommandLine.CreateCommand(line => line.IsWorker ? RunWorkersAsync(line) : ProduceAsync(line)).Parse(args);
        if (OptionRules.FirstError(parsed) is { } message)
        {
            await Console.Error.WriteLineAsync($"error: {message}");
            return 2;
        }

        return await parsed.InvokeAsync(OptionRules.Invocation(Console.Out, Console.Error));
    }

    /// <summary>Serves every registered producer until SIGTERM / SIGINT.</summary>
    private static async Task<int> RunWorkersAsync(TestWorkerCommandLine line)
    {
        try
        {
            using var host = BuildHost(line, workers: true);
            var workers = host.Services.GetRequiredService<WorkerService>();
            await host.RunAsync();
            if (workers.ExecuteTask is { IsFaulted: true } failed)
            {
                await Console.Error.WriteLineAsync($"error: {failed.Exception.GetBaseException().Message}");
                return 1;
            }

            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Runs one job on a producer-only host and prints its answer.</summary>
    private static async Task<int> ProduceAsync(TestWorkerCommandLine line)
    {
        IHost? host = null;
        try
        {
            host = BuildHost(line, workers: false);
            await host.StartAsync();
            do
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var answer = await RunJobAsync(host.Services, line);
                var elapsed = clock.Elapsed.TotalMilliseconds;
                await Console.Out.WriteLineAsync($"answer: {answer}");
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"elapsed ms: {elapsed:0}"));
            }
            while (line.Repeat && await Console.In.ReadLineAsync() == "again");

            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        finally
        {
            if (host is not null)
            {
                await host.StopAsync();
                if (host is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync();
                }
                else
                {
                    host.Dispose();
                }
            }
        }
    }

    private static async Task<string> RunJobAsync(IServiceProvider services, TestWorkerCommandLine line)
    {
        var client = services.GetRequiredService<ProducerClient>();
        var options = new MapOptions { SliceCount = line.Slices, Timeout = line.Timeout, OnTimeout = line.OnTimeout };
        if (Environment.GetEnvironmentVariable("PYMAR_TEST_STRAGGLER_FLOOR_MS") is { Length: > 0 } floor)
        {
            // The straggler tests: a short floor and multiple so a stopped worker's slices are copied soon.
            options = new MapOptions
            {
                SliceCount = line.Slices,
                Timeout = line.Timeout,
                OnTimeout = line.OnTimeout,
                StragglerFloor = TimeSpan.FromMilliseconds(int.Parse(floor, CultureInfo.InvariantCulture)),
                StragglerMultiple = double.Parse(Environment.GetEnvironmentVariable("PYMAR_TEST_STRAGGLER_MULTIPLE") ?? "1", CultureInfo.InvariantCulture),
            };
        }

        SlowSumProducer? slow = line.Job switch
        {
            TestWorkerCommandLine.SlowSum => services.GetRequiredService<SlowSumProducer>(),
            TestWorkerCommandLine.SecondSlowSum => services.GetRequiredService<SecondSlowSumProducer>(),
            TestWorkerCommandLine.ThirdSlowSum => services.GetRequiredService<ThirdSlowSumProducer>(),
            _ => null,
        };
        if (slow is not null)
        {
            var sum = await client.MapAsync(slow, DataSourceFactory<long>.For<NumbersDataSource>(), options);
            return sum.ToString(CultureInfo.InvariantCulture);
        }

        if (line.Job is TestWorkerCommandLine.Crash or TestWorkerCommandLine.NoCrash)
        {
            long[] numbers = line.Job == TestWorkerCommandLine.Crash ? [1, 2, CrashProducer.Poison, 4, 5, 6] : [1, 2, 3, 4, 5, 6];
            var sum = await client.MapAsync(new CrashProducer(), DataSourceFactory<long>.FromItems(numbers), new MapOptions { SliceCount = 3, Timeout = line.Timeout });
            return sum.ToString(CultureInfo.InvariantCulture);
        }

        var example = Examples.Examples.Find(line.Job!) ?? throw new InvalidOperationException($"unknown job '{line.Job}'");
        return await example.Run(client, services, options, CancellationToken.None);
    }

    private static IHost BuildHost(TestWorkerCommandLine line, bool workers)
    {
        // Configuration as in any generic host: appsettings.json, then environment variables (Pymar__Broker__Uri ...).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Pymar", LogLevel.Debug);

        builder.Services.AddSingleton(TestSettings.FromEnvironment(line.Count));
        var pymar = builder.Services.AddPymar(builder.Configuration)
            .AddExamples()
            .AddProducer<SlowSumProducer>()
            .AddProducer<SecondSlowSumProducer>()
            .AddProducer<ThirdSlowSumProducer>()
            .AddProducer<CrashProducer>()
            .AddDataSource<NumbersDataSource>()
            .UseRabbitMq();
        if (builder.Configuration.GetValue<bool>("Pymar:Events:Enabled"))
        {
            // Opt in (Pymar__Events__Enabled=true): the dashboard's tests watch these processes; the others need no events.
            pymar.UseRabbitMqEvents();
        }

        if (Environment.GetEnvironmentVariable("PYMAR_TEST_SPANS") == "1")
        {
            // Finished spans as stdout lines, so a test in another process can put one trace together.
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddSource(Pymar.Hosting.Diagnostics.PymarTelemetry.Name)
                .AddProcessor(new SimpleActivityExportProcessor(new SpanLineExporter())));
        }

        if (workers)
        {
            pymar.AddWorkers(options =>
            {
                if (line.Workers is { } count)
                {
                    options.Concurrency = count;
                }
            });
        }

        return builder.Build();
    }
}
