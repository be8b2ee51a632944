using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;
using PymarProducer.SquaredSum;

// Runs one job and prints its answer. The slices go through RabbitMQ (Pymar:Broker in appsettings.json) to the
// workers that serve SquaredSumProducer (dotnet new pymar-worker); --Pymar:ComputeLocally=true computes them here.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPymar(builder.Configuration)
    .AddProducer<SquaredSumProducer>()
    .AddDataSource<RangeDataSource>()
    .UseRabbitMq();

using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<ProducerClient>();
var sum = await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(),
    new MapOptions { SliceCount = 8, Timeout = TimeSpan.FromMinutes(1) });
Console.WriteLine($"squared-sum {sum}");

await host.StopAsync();
