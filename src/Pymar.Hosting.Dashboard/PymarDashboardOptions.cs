namespace Pymar.Hosting.Dashboard;

/// <summary>How the dashboard reads and shows events, bound from <c>Pymar:Dashboard</c>.</summary>
public sealed class PymarDashboardOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pymar:Dashboard";

    /// <summary>
    /// The ASP.NET Core authorization policy the dashboard's endpoints require; null (the default) requires none, which
    /// suits a dashboard bound to localhost only.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>How many heartbeats a worker may miss before it shows as stale. Defaults to 3.</summary>
    public int StaleAfterMissedHeartbeats { get; set; } = 3;

    /// <summary>How long a stale worker stays listed before it disappears. Defaults to 60 seconds.</summary>
    public TimeSpan RemoveStaleAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How far back the task stream reaches. Defaults to 5 minutes.</summary>
    public TimeSpan TaskStreamWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many finished or failed jobs the history keeps. Defaults to 20.</summary>
    public int HistorySize { get; set; } = 20;
}
