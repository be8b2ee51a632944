namespace Pymar.Hosting.Transport;

/// <summary>
/// An optional capability of an <see cref="IPymarTransport"/>: it can tell workers to drop one slice of a running job,
/// such as a straggler's losing copy once another copy has answered. Its notices travel with the ended-job notices,
/// so a worker listens to both through <see cref="SubscribeControlAsync"/> instead of
/// <see cref="IPymarTransport.SubscribeJobEndedAsync"/>. A transport without it leaves losing copies to run out;
/// their answers are dropped as duplicates.
/// </summary>
public interface ISliceCancellation
{
    /// <summary>Tells every worker that slice <paramref name="sliceIndex"/> of job <paramref name="jobId"/> is answered.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="sliceIndex">The slice's index in its job.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    ValueTask PublishSliceCancelledAsync(string jobId, int sliceIndex, CancellationToken cancellationToken = default);

    /// <summary>Receives ended jobs and cancelled slices until the result is disposed.</summary>
    /// <param name="onJobEnded">Receives each ended job's id.</param>
    /// <param name="onSliceCancelled">Receives the job id and slice index of each cancelled slice.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    ValueTask<IAsyncDisposable> SubscribeControlAsync(
        Func<string, ValueTask> onJobEnded,
        Func<string, int, ValueTask> onSliceCancelled,
        CancellationToken cancellationToken = default);
}
