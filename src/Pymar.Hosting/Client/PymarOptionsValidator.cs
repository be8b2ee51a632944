using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.Client;

/// <summary>Checks <see cref="PymarOptions"/> at start, naming the configuration key that is wrong.</summary>
internal sealed class PymarOptionsValidator(IConfiguration? configuration) : IValidateOptions<PymarOptions>
{
    /// <summary>Keys that were renamed, with their new name: an old key fails the start instead of being ignored.</summary>
    private static readonly (string Old, string New)[] s_renamed =
    [
        ("LocalMode", nameof(PymarOptions.ComputeLocally)),
        ("FallBackToLocal", nameof(PymarOptions.ComputeLocallyWhenUnreachable)),
    ];

    public ValidateOptionsResult Validate(string? name, PymarOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (old, renamed) in s_renamed)
        {
            if (configuration?[$"{PymarOptions.SectionName}:{old}"] is not null)
            {
                failures.Add($"{PymarOptions.SectionName}:{old} was renamed {PymarOptions.SectionName}:{renamed}; use the new key.");
            }
        }

        if (options.DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            failures.Add($"{PymarOptions.SectionName}:DefaultTimeout must be positive (it is {timeout}).");
        }

        foreach (var (key, value) in new[]
        {
            (nameof(PymarOptions.AutoSliceBalance), options.AutoSliceBalance),
            (nameof(PymarOptions.AutoSliceMinItems), options.AutoSliceMinItems),
            (nameof(PymarOptions.AutoSliceFallback), options.AutoSliceFallback),
        })
        {
            if (value < 1)
            {
                failures.Add($"{PymarOptions.SectionName}:{key} must be at least 1 (it is {value}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
