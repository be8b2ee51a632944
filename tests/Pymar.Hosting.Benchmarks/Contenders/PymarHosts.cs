using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Model;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// Generic hosts for Pymar.Hosting over RabbitMQ as a user would build them (AddPymar, AddProducer, UseRabbitMq,
/// AddWorkers), with the queue prefix of the run, warnings-only logging on stderr, and the counting/tracing
/// transport decorator registered as <see cref="IPymarTransport"/> around the real <see cref="RabbitMqTransport"/>;
/// with <c>events</c>, Pymar's events on (off otherwise: no <c>AddEvents</c>, the null publisher).
/// </summary>
internal static class PymarHosts
{
    public static IHost Build(string broker, string prefix, double dx, int? workerSlots, TraceLog? trace = null, string queueType = "quorum", int? prefetchOverride = null, bool events = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pymar:Transport"] = RabbitMqTransport.Name,
            ["Pymar:Broker:Uri"] = broker,
            ["Pymar:Broker:QueuePrefix"] = prefix,
            ["Pymar:Broker:QueueType"] = queueType,
            ["Pymar:Worker:Concurrency"] = (workerSlots ?? 1).ToString(CultureInfo.InvariantCulture),
        });
        if (Environment.GetEnvironmentVariable("PYMAR_BENCH_DELIVERY_MODE") is { Length: > 0 } deliveryMode)
        {
            // Inherited by the worker processes the harness starts, so both sides run the same mode.
            builder.Configuration["Pymar:Broker:DeliveryMode"] = deliveryMode;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var pymar = builder.Services.AddPymar(builder.Configuration).AddBenchModel(dx).UseRabbitMq();
        if (events)
        {
            // Slice, job and heartbeat events on pymar.events, as a host watched by a dashboard publishes them.
            pymar.UseRabbitMqEvents();
        }

        if (workerSlots is not null)
        {
            pymar.AddWorkers();
        }

        builder.Services.AddSingleton(trace ?? new TraceLog());
        builder.Services.AddSingleton<WireCounters>();
        builder.Services.AddSingleton<IPymarTransport>(sp => new TracingTransport(
            sp.GetRequiredService<RabbitMqTransport>(), sp.GetRequiredService<TraceLog>(), sp.GetRequiredService<WireCounters>(), prefix, prefetchOverride));
        return builder.Build();
    }
}
