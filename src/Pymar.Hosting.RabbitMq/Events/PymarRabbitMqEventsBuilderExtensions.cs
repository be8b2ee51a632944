using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pymar.Hosting;
using Pymar.Hosting.Events;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.RabbitMq.Events;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Carries Pymar's events through RabbitMQ.</summary>
public static class PymarRabbitMqEventsBuilderExtensions
{
    /// <summary>
    /// Publishes and reads events on the topic exchange <c>pymar.events</c> of the broker in <c>Pymar:Broker</c>
    /// (through its own connection): workers, producers and any dashboard on that broker see each other's events.
    /// Implies <c>AddEvents()</c>; <c>Pymar:Events:Enabled</c> false still turns publishing off.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="configure">Sets <see cref="RabbitMqOptions"/> (the same options <c>UseRabbitMq</c> binds); may be null.</param>
    public static IPymarBuilder UseRabbitMqEvents(this IPymarBuilder builder, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEvents();
        var options = PymarRabbitMqBuilderExtensions.AddBrokerOptions(builder.Services);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton<RabbitMqEventBus>();
        builder.Services.RemoveAll<IPymarEventBus>();
        builder.Services.AddSingleton<IPymarEventBus>(static sp => sp.GetRequiredService<RabbitMqEventBus>());
        return builder;
    }
}
