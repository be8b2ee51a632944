using System.Globalization;
using Pymar.Hosting;

// A web app with Pymar's dashboard at /pymar; POST /squared-sum runs a job in this process and answers its sum.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPymar(builder.Configuration)
    .AddProducer<SquaredSumProducer>()
    .AddDataSource<RangeDataSource>()
    .AddWorkers()
    .AddDashboard();

var app = builder.Build();
app.MapPymarDashboard("/pymar");
app.MapPost("/squared-sum", async (ProducerClient client, CancellationToken cancellationToken) =>
{
    var sum = await client.MapAsync(new SquaredSumProducer(), DataSourceFactory<long>.For<RangeDataSource>(),
        new MapOptions { SliceCount = 8, Timeout = TimeSpan.FromMinutes(1) }, cancellationToken);
    return sum.ToString(CultureInfo.InvariantCulture);
});
app.Run();
