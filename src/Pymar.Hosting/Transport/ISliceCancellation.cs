namespace Pymar.Hosting.Transport;

/// <summary>
/// A transport that can tell workers to drop one slice of a running job: a straggler's losing copy, once another
/// copy has answered. Its notices travel with the ended-job notices (the RabbitMQ control exchange), so a worker
/// listens to both through one subscription. A transport without it leaves losing copies to run out; their answers
/// are dropped as duplicates.
/// </summary>
internal interface ISliceCancellation
{
    /// <summary>Tells every worker that slice <paramref name="sliceIndex"/> of job <paramref name="jobId"/> is answered.</summary>
    ValueTask PublishSliceCancelledAsync(string jobId, int sliceIndex, CancellationToken cancellationToken);

    /// <summary>Receives ended jobs and cancelled slices until the result is disposed.</summary>
    ValueTask<IAsyncDisposable> SubscribeControlAsync(
        Func<string, ValueTask> onJobEnded,
        Func<string, int, ValueTask> onSliceCancelled,
        CancellationToken cancellationToken);
}
