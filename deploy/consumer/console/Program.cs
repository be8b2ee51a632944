using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pymar.Hosting;

// One job, its answer on the last line. The slices run in this process unless Pymar:Transport says RabbitMq
// (Pymar__Transport=RabbitMq, Pymar__Broker__Uri=amqp://...): then pymar-worker computes them.
var builder = Host.CreateApplicationBuilder(args);
var pymar = builder.Services.AddPymar(builder.Configuration)
    .AddProducer<SquaredSumProducer>()
    .AddDataSource<RangeDataSource>();
if (builder.Configuration["Pymar:Transport"] == "RabbitMq")
{
    pymar.UseRabbitMq();
}
else
{
    pymar.AddWorkers();
}

using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<ProducerClient>();
var sum = await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(),
    new MapOptions { SliceCount = 8, Timeout = TimeSpan.FromMinutes(1) });
Console.WriteLine($"squared-sum {sum}");

await host.StopAsync();
