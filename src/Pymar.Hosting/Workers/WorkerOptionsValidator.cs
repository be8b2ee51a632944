using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.Workers;

/// <summary>Checks <see cref="WorkerOptions"/> at start, naming the configuration key that is wrong.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public const int MaxConcurrency = 1024;

    /// <summary>The longest delay a cancellation timer takes (about 49 days).</summary>
    public static readonly TimeSpan MaxSliceDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Concurrency is < 1 or > MaxConcurrency)
        {
            failures.Add($"{WorkerOptions.SectionName}:Concurrency must be between 1 and {MaxConcurrency} (it is {options.Concurrency}).");
        }

        if (options.MaxDeliveries < 1)
        {
            failures.Add($"{WorkerOptions.SectionName}:MaxDeliveries must be at least 1 (it is {options.MaxDeliveries}).");
        }

        if (options.MaxSliceDuration is { } maxSlice && (maxSlice <= TimeSpan.Zero || maxSlice > MaxSliceDuration))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{WorkerOptions.SectionName}:MaxSliceDuration must be positive and at most {MaxSliceDuration.TotalDays:0} days, or left out to switch it off (it is {maxSlice})."));
        }

        if (options.Producers.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{WorkerOptions.SectionName}:Producers must not hold an empty name.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
