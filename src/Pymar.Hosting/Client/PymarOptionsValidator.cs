using Microsoft.Extensions.Options;

namespace Pymar.Hosting;

/// <summary>Checks <see cref="PymarOptions"/> at start, naming the configuration key that is wrong.</summary>
internal sealed class PymarOptionsValidator : IValidateOptions<PymarOptions>
{
    public ValidateOptionsResult Validate(string? name, PymarOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{PymarOptions.SectionName}:DefaultTimeout must be positive (it is {timeout}).");
        }

        return ValidateOptionsResult.Success;
    }
}
