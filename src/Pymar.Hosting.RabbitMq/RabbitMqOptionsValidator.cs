using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Pymar.Hosting.RabbitMq;

/// <summary>
/// Checks <see cref="RabbitMqOptions"/> at start, naming the key that is wrong and never the password; given the app's
/// services, it also checks that the connection <see cref="RabbitMqOptions.UseConnectionFromServices"/> asks for is registered.
/// </summary>
internal sealed class RabbitMqOptionsValidator(IServiceProviderIsService? services = null) : IValidateOptions<RabbitMqOptions>
{
    /// <summary>The shortest <see cref="RabbitMqOptions.PresenceInterval"/>, and the shortest a producer believes.</summary>
    public static readonly TimeSpan MinPresenceInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest <see cref="RabbitMqOptions.PresenceInterval"/>, and the longest a producer believes: a pool that
    /// stops without a goodbye is counted for three of them at most.
    /// </summary>
    public static readonly TimeSpan MaxPresenceInterval = TimeSpan.FromMinutes(1);

    private const string Key = RabbitMqOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (BrokerAddress.TryFrom(options, out _) is { } addressError)
        {
            failures.Add(addressError);
        }

        if (options.UseConnectionFromServices)
        {
            if (!string.IsNullOrWhiteSpace(options.Uri) || !string.IsNullOrWhiteSpace(options.ConnectionName))
            {
                failures.Add($"{Key}:UseConnectionFromServices uses the connection registered in the app's services, so {Key}:Uri and {Key}:ConnectionName must not be set with it (set one way of naming the broker).");
            }

            if (services is not null && RabbitMqConnection.ProblemWithServices(services) is { } servicesError)
            {
                failures.Add(servicesError);
            }
        }

        if (options.Port is { } port && (port < 1 || port > 65535))
        {
            failures.Add($"{Key}:Port must be between 1 and 65535 (it is {port}).");
        }

        if (string.IsNullOrEmpty(options.VirtualHost))
        {
            failures.Add($"{Key}:VirtualHost must not be empty (the default virtual host is '/').");
        }

        if (options.ConnectionTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Key}:ConnectionTimeout must be positive (it is {options.ConnectionTimeout}).");
        }

        if (options.ConfirmTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Key}:ConfirmTimeout must be at least 00:00:01 (it is {options.ConfirmTimeout}).");
        }

        if (options.Heartbeat < TimeSpan.FromSeconds(1) || options.Heartbeat > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            failures.Add($"{Key}:Heartbeat must be between 00:00:01 and 18:12:15 (it is {options.Heartbeat}).");
        }

        if (string.IsNullOrWhiteSpace(options.QueuePrefix) || options.QueuePrefix.Length > 100)
        {
            failures.Add($"{Key}:QueuePrefix must hold 1 to 100 characters.");
        }

        if (options.QueueType is not ("quorum" or "classic"))
        {
            failures.Add($"{Key}:QueueType must be 'quorum' or 'classic' (it is '{options.QueueType}').");
        }

        if (!string.Equals(options.DeliveryMode, "Durable", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.DeliveryMode, "Transient", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{Key}:DeliveryMode must be 'Durable' or 'Transient' (it is '{options.DeliveryMode}').");
        }

        if (options.PresenceInterval < MinPresenceInterval || options.PresenceInterval > MaxPresenceInterval)
        {
            failures.Add($"{Key}:PresenceInterval must be between {MinPresenceInterval} and {MaxPresenceInterval} (it is {options.PresenceInterval}).");
        }

        if (options.PrefetchLookahead is < 0 or > 100)
        {
            failures.Add($"{Key}:PrefetchLookahead must be between 0 and 100 (it is {options.PrefetchLookahead}).");
        }

        if (options.LookaheadWork < TimeSpan.Zero || options.LookaheadWork > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Key}:LookaheadWork must be between 00:00:00 and 00:00:01 (it is {options.LookaheadWork}).");
        }

        if (options.MaxPrefetchLookahead < options.PrefetchLookahead || options.MaxPrefetchLookahead > 1000)
        {
            failures.Add($"{Key}:MaxPrefetchLookahead must be between PrefetchLookahead ({options.PrefetchLookahead}) and 1000 (it is {options.MaxPrefetchLookahead}).");
        }

        if (options.DeliveryLimit < 1)
        {
            failures.Add($"{Key}:DeliveryLimit must be at least 1 (it is {options.DeliveryLimit}).");
        }

        if (options.MaxMessageBytes < 1024 || options.MaxMessageBytes > 512 * 1024 * 1024)
        {
            failures.Add($"{Key}:MaxMessageBytes must be between 1024 and 536870912 (it is {options.MaxMessageBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
