using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Reads <c>ConnectionStrings:{name}</c> from the app's configuration for <see cref="RabbitMqOptions.ConnectionName"/>,
/// after every other setting, so that a name set in code finds its connection string too.
/// </summary>
internal sealed class RabbitMqConnectionString(IConfiguration? configuration = null) : IPostConfigureOptions<RabbitMqOptions>
{
    public void PostConfigure(string? name, RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ConnectionString = string.IsNullOrWhiteSpace(options.ConnectionName)
            ? null
            : configuration?.GetConnectionString(options.ConnectionName);
    }
}
