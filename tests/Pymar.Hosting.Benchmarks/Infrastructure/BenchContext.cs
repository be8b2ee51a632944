using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting.Benchmarks.Contenders;
using Pymar.Hosting.Benchmarks.Model;
using RabbitMQ.Client;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>
/// Everything a run shares: its options and queue prefix, the report, and the contenders' processes, started on
/// first use and stopped at the end. Every contender's workers run in a child process of their own with the same
/// number of consumer slots; every contender's client side runs in the harness (MassTransit's in its own child).
/// </summary>
/// <remarks>
/// For the cluster scenario, <c>workerHost</c> runs the worker processes inside that worker host of deploy/cluster
/// (connected to <c>workerBroker</c>), and the run's queues are deleted by their known names.
/// </remarks>
internal sealed class BenchContext(BenchmarkOptions options, string prefix, Report report, string? workerHost = null, string? workerBroker = null) : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<PymarVariant, IHost> _pymarHosts = [];
    private readonly Dictionary<PymarVariant, ChildProcess> _pymarWorkers = [];
    private ChildProcess? _rawWorker;
    private readonly Dictionary<RawVariant, RawRpcClient> _rawClients = [];
    private MassTransitContender? _massTransit;
    private CeleryContender? _celery;

    public BenchmarkOptions Options => options;

    public string Prefix => prefix;

    public Report Report => report;

    /// <summary>The harness's own trace: the Pymar producer's stages and the raw clients' stages.</summary>
    public TraceLog Trace { get; } = new();

    public CancellationToken Cancellation { get; set; }

    public string ScratchDirectory { get; } = Directory.CreateTempSubdirectory("pymar-bench-").FullName;

    /// <summary>The queue prefix of a Pymar variant (classic queues cannot share names with quorum ones).</summary>
    public string PrefixOf(PymarVariant variant) => variant switch
    {
        PymarVariant.Classic => prefix + "classic.",
        PymarVariant.Events => prefix + "events.",
        PymarVariant.EventsOff => prefix + "no-events.",
        PymarVariant.Ordering => prefix + "ordering.",
        _ => prefix,
    };

    /// <summary>The arguments every child process of the harness gets.</summary>
    public string[] ChildArguments(string role, PymarVariant variant = PymarVariant.Default) =>
    [
        "--role", role, "--broker", workerBroker ?? options.Broker, "--prefix", PrefixOf(variant), "--queue-type", variant == PymarVariant.Classic ? "classic" : "quorum",
        .. variant == PymarVariant.Events ? new[] { "--events" } : [],
        "--slots", options.Slots.ToString(CultureInfo.InvariantCulture),
        "--raw-prefetch", options.RawPrefetch.ToString(CultureInfo.InvariantCulture),
        "--dx", options.IntegralDx.ToString("R", CultureInfo.InvariantCulture),
        .. options.WhatIfPrefetch is { } prefetch ? new[] { "--what-if-prefetch", prefetch.ToString(CultureInfo.InvariantCulture) } : [],
    ];

    /// <summary>
    /// The Pymar producer host of <paramref name="variant"/> in the harness (no workers), with the trace log shared
    /// with the harness; started on first use.
    /// </summary>
    public async Task<IHost> PymarHostAsync(PymarVariant variant = PymarVariant.Default)
    {
        if (!_pymarHosts.TryGetValue(variant, out var host))
        {
            host = PymarHosts.Build(options.Broker, PrefixOf(variant), options.IntegralDx, workerSlots: null, Trace,
                variant == PymarVariant.Classic ? "classic" : "quorum", events: variant == PymarVariant.Events);
            await host.StartAsync(Cancellation);
            _pymarHosts[variant] = host;
        }

        return host;
    }

    /// <summary>
    /// The Pymar worker process of <paramref name="variant"/>: a WorkerService with <c>--slots</c> slots serving every
    /// benchmark producer; started on first use.
    /// </summary>
    public async Task<ChildProcess> PymarWorkerAsync(PymarVariant variant = PymarVariant.Default)
    {
        if (!_pymarWorkers.TryGetValue(variant, out var worker))
        {
            var name = variant == PymarVariant.Default ? "pymar-worker" : $"pymar-{PrefixOf(variant)[prefix.Length..].TrimEnd('.')}-worker";
            worker = await BenchChild.StartSelfReadyAsync(name, ChildArguments("pymar-worker", variant), s_startTimeout, workerHost);
            _pymarWorkers[variant] = worker;
        }

        return worker;
    }

    /// <summary>
    /// Stops the producer host and the worker process of <paramref name="variant"/>, so the next use starts fresh ones:
    /// a .NET process's speed depends a little on its own history (tiered compilation and its profile), and fresh
    /// processes spread that over many.
    /// </summary>
    public async Task StopPymarAsync(PymarVariant variant)
    {
        if (_pymarHosts.Remove(variant, out var host))
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }

        if (_pymarWorkers.Remove(variant, out var worker))
        {
            await worker.DisposeAsync();
        }
    }

    public async Task<ChildProcess> RawWorkerAsync() =>
        _rawWorker ??= await BenchChild.StartSelfReadyAsync("raw-worker", ChildArguments("raw-worker"), s_startTimeout, workerHost);

    public async Task<RawRpcClient> RawClientAsync(RawVariant variant)
    {
        if (!_rawClients.TryGetValue(variant, out var client))
        {
            await RawWorkerAsync();
            client = new RawRpcClient(Trace);
            await client.StartAsync(options.Broker, prefix, variant);
            _rawClients[variant] = client;
        }

        return client;
    }

    public async Task<MassTransitContender> MassTransitAsync()
    {
        if (_massTransit is null)
        {
            var contender = new MassTransitContender();
            _massTransit = contender;
            await contender.StartAsync(options.Broker, prefix, options.Slots);
        }

        return _massTransit;
    }

    /// <summary>The Celery contender, started on first use.</summary>
    public async Task<CeleryContender> CeleryAsync()
    {
        if (_celery is null)
        {
            var contender = new CeleryContender();
            _celery = contender;
            await contender.StartAsync(options.Broker, prefix, options.Slots);
        }

        return _celery;
    }

    /// <summary>
    /// The methods the JIT has compiled so far in the harness and in every .NET process of the contenders started so far
    /// (see <see cref="Scenarios.SteadyWarmup"/>).
    /// </summary>
    public async Task<long> CompiledMethodsAsync()
    {
        var timeout = TimeSpan.FromSeconds(30);
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        foreach (var child in _pymarWorkers.Values.Append(_rawWorker).OfType<ChildProcess>())
        {
            compiled += BenchChild.ParseCompiledMethods(await child.CommandAsync("jit", timeout), "a worker process");
        }

        if (_massTransit is not null)
        {
            compiled += await _massTransit.CompiledMethodsAsync(timeout);
        }

        return compiled;
    }

    /// <summary>
    /// Runs one trivial Pymar job of <paramref name="slices"/> slices and checks its answer; <paramref name="arrivalOrder"/>
    /// folds the partials as they arrive instead of in slice order (the measure of what ordering costs).
    /// </summary>
    public async Task PymarTrivialJobAsync(int slices, PymarVariant variant = PymarVariant.Default, bool arrivalOrder = false)
    {
        await TrivialJobAsync(await PymarHostAsync(variant), slices, arrivalOrder, Cancellation);
    }

    /// <summary>Runs one trivial job of <paramref name="slices"/> slices on the producer host <paramref name="host"/> and checks its answer.</summary>
    public static async Task TrivialJobAsync(IHost host, int slices, bool arrivalOrder, CancellationToken cancellationToken)
    {
        host.Services.GetRequiredService<TrivialJob>().Length = slices;
        var producer = host.Services.GetRequiredService<TrivialProducer>();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var sum = await client.MapAsync(producer, DataSourceFactory<long>.For<TrivialSource>(), new MapOptions { SliceCount = slices, FoldInArrivalOrder = arrivalOrder }, cancellationToken);
        Check("Pymar.Hosting", slices, sum);
    }

    public static void Check(string contender, long slices, long sum)
    {
        if (sum != slices * (slices + 1) / 2)
        {
            throw new InvalidOperationException($"{contender} answered {sum} for a job of {slices} slices; expected {slices * (slices + 1) / 2}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _rawClients.Values)
        {
            await client.DisposeAsync();
        }

        if (_massTransit is not null)
        {
            await _massTransit.DisposeAsync();
        }

        if (_celery is not null)
        {
            await _celery.DisposeAsync();
        }

        foreach (var host in _pymarHosts.Values)
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }

        foreach (var child in _pymarWorkers.Values.Append(_rawWorker))
        {
            if (child is not null)
            {
                await child.DisposeAsync();
            }
        }

        await DeleteQueuesAsync();
        try
        {
            Directory.Delete(ScratchDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Deletes every queue and exchange the run declared: all carry the run's prefix. The names come from rabbitmqctl
    /// where the local broker's script is found, else from what the harness knows the transports declare.
    /// </summary>
    private async Task DeleteQueuesAsync()
    {
        string[] known = [.. Enum.GetValues<PymarVariant>().Select(PrefixOf)];
        var localCtl = BrokerCtl.Available && workerHost is null;
        var queues = localCtl
            ? (await BrokerCtl.NamesAsync("list_queues")).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray()
            :
            [
                .. known.SelectMany(p => BenchModel.ProducerNames.Select(name => p + name).Append(p + "dead-letter")),
                RawRpc.WorkQueue(prefix, RawVariant.Minimal),
                RawRpc.WorkQueue(prefix, RawVariant.Durable),
                RawRpc.WorkQueue(prefix, RawVariant.Quorum),
                .. MassTransitContender.Queues(prefix),
                CeleryContender.Queue(prefix),
            ];
        var exchanges = localCtl
            ? (await BrokerCtl.NamesAsync("list_exchanges")).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray()
            : [.. known.Select(p => p + "control"), .. MassTransitContender.Exchanges(prefix)];
        await DeleteAsync(options.Broker, "bench cleanup", queues, exchanges, $"the run's queues ({prefix}*)");
    }

    /// <summary>
    /// Deletes <paramref name="queues"/> and <paramref name="exchanges"/> on <paramref name="broker"/> on a connection
    /// of its own; a failure is a warning that names <paramref name="what"/>, never an error of the run.
    /// </summary>
    public static async Task DeleteAsync(string broker, string clientName, IEnumerable<string> queues, IEnumerable<string> exchanges, string what)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(broker), ClientProvidedName = clientName };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            foreach (var queue in queues)
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            }

            foreach (var exchange in exchanges)
            {
                await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
            }

            await channel.CloseAsync();
            await connection.CloseAsync();
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"warning: could not delete {what}: {ex.Message}");
        }
    }
}
