using Pymar.Hosting;
using Pymar.Hosting.Workers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The chained registration methods of <see cref="IPymarBuilder"/>.</summary>
public static class PymarBuilderExtensions
{
    /// <summary>Registers a producer under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TProducer">The producer type.</typeparam>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="name">The name its slice messages and queue carry; defaults to the type's simple name.</param>
    public static IPymarBuilder AddProducer<TProducer>(this IPymarBuilder builder, string? name = null)
        where TProducer : Producer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPymarProducer<TProducer>(name);
        return builder;
    }

    /// <summary>Registers a data source under its type's simple name or <paramref name="name"/>.</summary>
    /// <typeparam name="TDataSource">The data source type.</typeparam>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="name">The name slice messages carry; defaults to the type's simple name.</param>
    public static IPymarBuilder AddDataSource<TDataSource>(this IPymarBuilder builder, string? name = null)
        where TDataSource : class, IDataSource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPymarDataSource<TDataSource>(name);
        return builder;
    }

    /// <summary>
    /// Makes this host a worker, with <see cref="WorkerOptions"/> bound from <c>Pymar:Worker</c> and then
    /// <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPymar</c>.</param>
    /// <param name="configure">Sets <see cref="WorkerOptions"/>; may be null.</param>
    public static IPymarBuilder AddWorkers(this IPymarBuilder builder, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPymarWorkers(configure);
        return builder;
    }
}
