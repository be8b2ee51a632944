using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pymar.Hosting;
using Pymar.Hosting.RabbitMq;
using Pymar.Hosting.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the RabbitMQ transport on the <c>AddPymar</c> builder.</summary>
public static class PymarRabbitMqBuilderExtensions
{
    /// <summary>
    /// Carries slices through RabbitMQ, with <see cref="RabbitMqOptions"/> bound from <c>Pymar:Broker</c> and then
    /// <paramref name="configure"/>. It becomes the transport unless <c>Pymar:Transport</c> names another one.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="configure">Sets <see cref="RabbitMqOptions"/>; may be null.</param>
    /// <example>
    /// On the broker of the connection string <c>ConnectionStrings:messaging</c> (as .NET Aspire injects it):
    /// <c>UseRabbitMq(o => o.ConnectionName = "messaging")</c>. On the <see cref="RabbitMQ.Client.IConnection"/> that
    /// <c>builder.AddRabbitMQClient("messaging")</c> of <c>Aspire.RabbitMQ.Client</c> registers:
    /// <c>UseRabbitMq(o => o.UseConnectionFromServices = true)</c>.
    /// </example>
    public static IPymarBuilder UseRabbitMq(this IPymarBuilder builder, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddBrokerOptions(builder.Services);
        if (!builder.Services.Any(d => d.ServiceType == typeof(RabbitMqTransport)))
        {
            builder.Services.AddSingleton(static sp => new RabbitMqTransport(
                sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
                sp.GetRequiredService<ILogger<RabbitMqTransport>>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp));
            builder.Services.AddSingleton(new TransportRegistration(RabbitMqTransport.Name, static sp => sp.GetRequiredService<RabbitMqTransport>()));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Binds <see cref="RabbitMqOptions"/> from <c>Pymar:Broker</c> once per service collection (binding the section a
    /// second time would append <c>Hosts</c> to themselves), validated at start.
    /// </summary>
    internal static OptionsBuilder<RabbitMqOptions> AddBrokerOptions(IServiceCollection services)
    {
        var options = services.AddOptions<RabbitMqOptions>();
        if (!services.Any(d => d.ServiceType == typeof(BrokerOptionsBound)))
        {
            services.AddSingleton<BrokerOptionsBound>();
            options.BindConfiguration(RabbitMqOptions.SectionName).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<RabbitMqOptions>, RabbitMqConnectionString>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>());
        }

        return options;
    }

    /// <summary>Marks that <c>Pymar:Broker</c> is bound.</summary>
    private sealed class BrokerOptionsBound;
}
