namespace Pymar.Hosting.Dashboard.State;

/// <summary>Everything the page shows at one moment; sent whole on every update.</summary>
internal sealed record DashboardSnapshot(
    long Now,
    long Received,
    long Malformed,
    double WindowMs,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<JobView> Jobs,
    IReadOnlyList<JobView> History,
    IReadOnlyList<SliceBar> Slices);
