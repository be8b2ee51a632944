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
        var concurrency = options.Concurrency;
        if (concurrency.Min > concurrency.Max)
        {
            failures.Add($"{WorkerOptions.SectionName}:Concurrency must be a range min..max with max at least min (it is {concurrency}).");
        }
        else if (concurrency.Min < 1 || concurrency.Max > MaxConcurrency)
        {
            failures.Add(concurrency.IsElastic
                ? $"{WorkerOptions.SectionName}:Concurrency must lie between 1 and {MaxConcurrency}: min at least 1, max at most {MaxConcurrency} (it is {concurrency})."
                : $"{WorkerOptions.SectionName}:Concurrency must be between 1 and {MaxConcurrency} (it is {concurrency}).");
        }

        if (options.ScaleDownAfter <= TimeSpan.Zero || options.ScaleDownAfter > MaxSliceDuration)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{WorkerOptions.SectionName}:ScaleDownAfter must be positive and at most {MaxSliceDuration.TotalDays:0} days (it is {options.ScaleDownAfter})."));
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
