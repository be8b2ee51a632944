namespace Pymar.Worker.Tests.Jobs;

/// <summary>A setting a data source takes through its constructor.</summary>
public sealed class ScaleSettings
{
    public const string SectionName = "Jobs";

    /// <summary>What every item is multiplied by.</summary>
    public long Factor { get; set; } = 1;
}
