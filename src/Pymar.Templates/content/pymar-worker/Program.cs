using PymarWorkerApp.SquaredSum;
using Serilog;

// A worker host: takes slices of the producers it registers from RabbitMQ (Pymar:Broker in appsettings.json) until
// stopped. Runs as a console program, a systemd service (PymarWorkerApp.service) or a Windows service.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSerilog((_, logger) => logger.ReadFrom.Configuration(builder.Configuration));
builder.UsePymarWorkerService();

builder.Services.AddPymar(builder.Configuration)
    .AddProducer<SquaredSumProducer>()
    .AddDataSource<RangeDataSource>()
    .UseRabbitMq()
    .AddWorkers();

await builder.Build().RunAsync();
