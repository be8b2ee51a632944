using Pymar.Hosting.Dashboard.State;

namespace Pymar.Hosting.Dashboard.Timeline;

/// <summary>What a timeline file shows, embedded in it as JSON.</summary>
internal sealed record TimelineData(string Title, long GeneratedAt, IReadOnlyList<SliceBar> Slices, IReadOnlyList<StageSummary> Stages);
