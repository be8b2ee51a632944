using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pymar.Hosting.Dashboard.State;
using Pymar.Hosting.Events;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>An ASP.NET Core app with the dashboard mapped at /pymar, on 127.0.0.1 and a free port, fed through its in-process event bus.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public Uri Page => new(Address, "/pymar/");

    public IPymarEventBus Bus => _app.Services.GetRequiredService<IPymarEventBus>();

    /// <summary>The dashboard's state, to hand it garbage as the RabbitMQ subscription would (the in-process bus carries none).</summary>
    public DashboardState State => _app.Services.GetRequiredService<DashboardState>();

    public static Task<DashboardHost> StartAsync(Action<PymarDashboardOptions>? configure = null) =>
        StartAsync(configuration: null, pymar => pymar.AddDashboard(configure));

    /// <summary>The dashboard reading the events of the broker in <paramref name="configuration"/> (<c>UseRabbitMqEvents()</c>).</summary>
    public static Task<DashboardHost> StartOnBrokerAsync(IEnumerable<KeyValuePair<string, string?>> configuration, Action<PymarDashboardOptions>? configure = null) =>
        StartAsync(configuration, pymar => pymar.UseRabbitMqEvents().AddDashboard(configure));

    private static async Task<DashboardHost> StartAsync(IEnumerable<KeyValuePair<string, string?>>? configuration, Action<IPymarBuilder> configurePymar)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (configuration is null)
        {
            configurePymar(builder.Services.AddPymar());
        }
        else
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            configurePymar(builder.Services.AddPymar(builder.Configuration));
        }
        var app = builder.Build();
        app.MapPymarDashboard("/pymar");
        await app.StartAsync();
        var address = app.Urls.Single();
        return new DashboardHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
