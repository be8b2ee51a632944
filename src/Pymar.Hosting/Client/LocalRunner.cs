using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Model;
using Pymar.Hosting.Registration;

namespace Pymar.Hosting.Client;

/// <summary>
/// The producer's own process as a worker: builds a job's data source here, and computes a whole job as one slice
/// (compute-locally mode, the local fallback, <see cref="TimeoutBehavior.ComputeLocally"/>).
/// </summary>
internal sealed class LocalRunner(IServiceProvider services, PymarRegistry registry)
{
    /// <summary>Builds the data source of <paramref name="source"/> in this process and passes it to <paramref name="use"/>.</summary>
    public async ValueTask<TResult> UseSourceAsync<TItem, TResult>(DataSourceFactory<TItem> source, Func<IDataSource<TItem>, ValueTask<TResult>> use)
    {
        if (source.Items is { } items)
        {
            return await use(new ItemsDataSource<TItem>(items, 0)).ConfigureAwait(false);
        }

        var registration = registry.GetDataSource(source.DataSourceType!);
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await use(DataSourceActivator.Create<TItem>(registration, scope.ServiceProvider)).ConfigureAwait(false);
        }
    }

    /// <summary>Computes <c>ComputeSlice</c> over the whole data set, on a thread of its own.</summary>
    public async Task<MapResult<TValue>> ComputeAsync<TItem, TValue>(Producer<TItem, TValue> producer, DataSourceFactory<TItem> source, CancellationToken cancellationToken)
    {
        var value = await UseSourceAsync(source, async dataSource =>
        {
            var window = source.Within(await dataSource.GetLengthAsync(cancellationToken).ConfigureAwait(false));
            if (window.Limit == 0)
            {
                return producer.Reduce([]);
            }

            var context = await SliceContext<TItem>.ReadAsync(dataSource, window, cancellationToken).ConfigureAwait(false);
            return await Task.Factory
                .StartNew(() => producer.ComputeSlice(context), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new MapResult<TValue>(value, hasValue: true, 1, []);
    }
}
