using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pymar.Hosting.Dashboard;
using Pymar.Hosting.Dashboard.State;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Pymar's dashboard into an ASP.NET Core host.</summary>
public static class PymarDashboardEndpointRouteBuilderExtensions
{
    private static readonly Lazy<string> s_page = new(() => DashboardAssets.Read("dashboard.html").Replace("/*TASKSTREAM*/", DashboardAssets.Read("taskstream.js"), StringComparison.Ordinal));

    /// <summary>
    /// Maps the read-only dashboard under <paramref name="pattern"/>: the page (<c>{pattern}/</c>), its live feed of
    /// server-sent events (<c>{pattern}/events</c>) and the same state as JSON (<c>{pattern}/api/state</c>). Needs
    /// <c>AddPymar(...).AddDashboard()</c>. It requires <see cref="PymarDashboardOptions.AuthorizationPolicy"/> when set;
    /// more conventions can be chained on the result (for example <c>.RequireAuthorization("ops")</c>).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The path the dashboard lives under. Defaults to <c>/pymar</c>.</param>
    public static IEndpointConventionBuilder MapPymarDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/pymar")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var prefix = "/" + pattern.Trim('/');
        var group = endpoints.MapGroup(prefix);
        group.MapGet("/", (HttpContext context) => ServePage(context, prefix));
        group.MapGet("/api/state", (DashboardState state) =>
            Results.Text(JsonSerializer.Serialize(state.Snapshot(), DashboardJsonContext.Default.DashboardSnapshot), "application/json", Encoding.UTF8));
        group.MapGet("/events", ServeEvents);
        if (endpoints.ServiceProvider.GetService<IOptions<PymarDashboardOptions>>()?.Value.AuthorizationPolicy is { Length: > 0 } policy)
        {
            group.RequireAuthorization(policy);
        }

        return group;
    }

    private static IResult ServePage(HttpContext context, string prefix)
    {
        var basePath = JsonSerializer.Serialize(context.Request.PathBase.Add(prefix).Value ?? prefix, DashboardAssetsJsonContext.Default.String);
        var html = s_page.Value.Replace("\"__PYMAR_BASE__\"", basePath, StringComparison.Ordinal);

        // The page loads nothing from anywhere: its script and styles are inline, and it talks to its own origin only.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static ServerSentEventsResult<string> ServeEvents(HttpContext context, DashboardState state, IHostApplicationLifetime lifetime)
    {
        // The result sets the content type and no caching; a proxy such as nginx is also told not to buffer the feed.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        // An open feed must not hold the host's shutdown until its timeout: it ends when the host stops.
        return TypedResults.ServerSentEvents(SnapshotsAsync(state, lifetime.ApplicationStopping));
    }

    /// <summary>The state as JSON on a change, and once a second regardless: staleness and elapsed times move with the clock.</summary>
    private static async IAsyncEnumerable<string> SnapshotsAsync(DashboardState state, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var sentVersion = -1L;
        var sentAt = DateTimeOffset.MinValue;
        do
        {
            var version = state.Version;
            var now = DateTimeOffset.UtcNow;
            if (version == sentVersion && now - sentAt < TimeSpan.FromSeconds(1))
            {
                continue;
            }

            yield return JsonSerializer.Serialize(state.Snapshot(), DashboardJsonContext.Default.DashboardSnapshot);
            sentVersion = version;
            sentAt = now;
        }
        while (await NextTickAsync(timer, stop.Token).ConfigureAwait(false));
    }

    /// <summary>Waits for the timer's next tick; false once the page went away or the host stops.</summary>
    private static async ValueTask<bool> NextTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
