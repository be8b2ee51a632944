using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.Benchmarks.MassTransit;

/// <summary>
/// The MassTransit contender, run by the harness as two child processes:
/// <c>worker</c> (a receive endpoint with 2 consumer slots that answers each request with a number) and
/// <c>client</c> (a request client; each <c>job N</c> line on stdin sends N requests and awaits them with
/// <c>Task.WhenAll</c>, then prints <c>done NANOSECONDS SUM</c>). Both print <c>ready</c> once the bus runs, answer
/// <c>jit</c> with <c>ok</c> and the methods they have compiled so far, and stop at <c>quit</c> or at the end of stdin. With <c>--compute</c> (the stragglers scenario) the slices are windows of
/// the compute scenario's integral: the worker prints <c>started OFFSET</c> and computes the window, and the client's
/// <c>integral DX OFFSET:LIMIT …</c> line sends one request per window and prints <c>done NANOSECONDS SUM</c>. Defaults of MassTransit are kept (durable queue, persistent messages,
/// publisher confirms), except prefetch and concurrency, which are the slot count like the other contenders.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("worker" or "client"))
        {
            await Console.Error.WriteLineAsync("usage: Pymar.Hosting.Benchmarks.MassTransit worker|client --broker URI --prefix P [--slots N]");
            return 2;
        }

        var role = args[0];
        var broker = new Uri(Option(args, "--broker") ?? "amqp://guest:guest@127.0.0.1:5672/");
        var prefix = Option(args, "--prefix") ?? "bench.";
        var slots = int.Parse(Option(args, "--slots") ?? "2", CultureInfo.InvariantCulture);
        var compute = args.Contains("--compute");
        var queue = prefix + (compute ? "mt-compute" : "mt-slice");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(x =>
        {
            if (role == "worker")
            {
                x.AddConsumer<SliceConsumer>();
                x.AddConsumer<ComputeConsumer>();
            }
            else
            {
                x.AddRequestClient<SliceCommand>(new Uri("queue:" + queue), RequestTimeout.After(m: 10));
                x.AddRequestClient<ComputeCommand>(new Uri("queue:" + queue), RequestTimeout.After(m: 10));
            }

            x.UsingRabbitMq((context, cfg) =>
            {
                var user = broker.UserInfo.Split(':');
                var virtualHost = broker.AbsolutePath.Length <= 1 ? "/" : Uri.UnescapeDataString(broker.AbsolutePath[1..]);
                cfg.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port), virtualHost, h =>
                {
                    h.Username(Uri.UnescapeDataString(user[0]));
                    h.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "");
                });

                // Every entity carries the run's prefix, so the harness can delete them at the end.
                cfg.Message<SliceCommand>(m => m.SetEntityName(prefix + "mt-command"));
                cfg.Message<SliceAnswer>(m => m.SetEntityName(prefix + "mt-answer"));
                cfg.Message<ComputeCommand>(m => m.SetEntityName(prefix + "mt-compute-command"));
                cfg.Message<ComputeAnswer>(m => m.SetEntityName(prefix + "mt-compute-answer"));
                if (role == "worker")
                {
                    cfg.ReceiveEndpoint(queue, e =>
                    {
                        e.PrefetchCount = slots;
                        e.ConcurrentMessageLimit = slots;
                        if (compute)
                        {
                            e.ConfigureConsumer<ComputeConsumer>(context);
                        }
                        else
                        {
                            e.ConfigureConsumer<SliceConsumer>(context);
                        }
                    });
                }
            });
        });

        using var host = builder.Build();
        await host.StartAsync();
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        try
        {
            if (role == "client" && compute)
            {
                await ServeIntegralsAsync(host.Services);
            }
            else if (role == "client")
            {
                await ServeJobsAsync(host.Services);
            }
            else
            {
                while (await Console.In.ReadLineAsync() is { } line && line != "quit")
                {
                    Console.Out.WriteLine(line == "jit" ? CompiledMethods() : "ok");
                    Console.Out.Flush();
                }
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        return 0;
    }

    private static async Task ServeJobsAsync(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<SliceCommand>>();
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            if (line == "jit")
            {
                Console.Out.WriteLine(CompiledMethods());
                Console.Out.Flush();
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[0] != "job")
            {
                Console.Out.WriteLine("error unknown command");
                Console.Out.Flush();
                continue;
            }

            var count = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            var requests = new Task<Response<SliceAnswer>>[count];
            for (var i = 0; i < count; i++)
            {
                requests[i] = client.GetResponse<SliceAnswer>(new SliceCommand(i));
            }

            var responses = await Task.WhenAll(requests);
            var elapsed = Stopwatch.GetElapsedTime(started);
            long sum = 0;
            foreach (var response in responses)
            {
                sum += response.Message.Value;
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {elapsed.Ticks * 100} {sum}"));
            Console.Out.Flush();
        }
    }

    private static async Task ServeIntegralsAsync(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<ComputeCommand>>();
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || parts[0] != "integral")
            {
                Console.Out.WriteLine("error unknown command");
                Console.Out.Flush();
                continue;
            }

            var dx = double.Parse(parts[1], CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            var requests = parts[2..].Select(window =>
            {
                var bounds = window.Split(':');
                return client.GetResponse<ComputeAnswer>(new ComputeCommand(long.Parse(bounds[0], CultureInfo.InvariantCulture), long.Parse(bounds[1], CultureInfo.InvariantCulture), dx));
            }).ToArray();
            var responses = await Task.WhenAll(requests);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var sum = responses.Sum(r => r.Message.Value);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {elapsed.Ticks * 100} {sum:R}"));
            Console.Out.Flush();
        }
    }

    /// <summary>The answer to <c>jit</c>: <c>ok</c> and the methods this process has compiled so far.</summary>
    private static string CompiledMethods() => "ok " + System.Runtime.JitInfo.GetCompiledMethodCount().ToString(CultureInfo.InvariantCulture);

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>One slice of a job: its index.</summary>
/// <param name="Index">The slice index.</param>
public sealed record SliceCommand(int Index);

/// <summary>A slice's trivial answer.</summary>
/// <param name="Value">The number.</param>
public sealed record SliceAnswer(long Value);

/// <summary>Answers each slice with a number, like the trivial Pymar producer.</summary>
internal sealed class SliceConsumer : IConsumer<SliceCommand>
{
    public Task Consume(ConsumeContext<SliceCommand> context) => context.RespondAsync(new SliceAnswer(context.Message.Index + 1L));
}

/// <summary>One window of the compute scenario's integral.</summary>
/// <param name="Offset">The first point.</param>
/// <param name="Limit">How many points.</param>
/// <param name="Dx">The step.</param>
public sealed record ComputeCommand(long Offset, long Limit, double Dx);

/// <summary>A window's part of the integral.</summary>
/// <param name="Value">The partial sum.</param>
public sealed record ComputeAnswer(double Value);

/// <summary>Computes a window of the integral of exp on [1, 10] with the same loop as Pymar's fast path.</summary>
internal sealed class ComputeConsumer : IConsumer<ComputeCommand>
{
    public Task Consume(ConsumeContext<ComputeCommand> context)
    {
        var (offset, limit, dx) = context.Message;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {offset}"));
        Console.Out.Flush();
        double sum = 0;
        for (var x = offset; x < offset + limit; x++)
        {
            sum += Math.Exp(1 + (x * dx)) * dx;
        }

        return context.RespondAsync(new ComputeAnswer(sum));
    }
}
