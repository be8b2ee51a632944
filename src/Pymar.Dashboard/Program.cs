using OpenTelemetry.Metrics;
using Pymar.Hosting.Diagnostics;

// pymar-dashboard: reads the events of the broker in Pymar:Broker (or --broker URI) and serves the page on localhost
// only, unless --urls says otherwise. Prometheus scrapes the "Pymar.Hosting" meter at /metrics.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--broker"] = "Pymar:Broker:Uri",
    ["--path"] = "Pymar:Dashboard:Path",
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5140");
}

builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddPymar(builder.Configuration).UseRabbitMqEvents().AddDashboard();
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PymarTelemetry.Name).AddPrometheusExporter());

var app = builder.Build();
var path = builder.Configuration["Pymar:Dashboard:Path"] is { Length: > 0 } configured ? configured : "/pymar";
app.MapPymarDashboard(path);
app.MapPrometheusScrapingEndpoint();
app.MapGet("/", () => Results.Redirect(path.TrimEnd('/') + "/"));
await app.RunAsync().ConfigureAwait(false);
