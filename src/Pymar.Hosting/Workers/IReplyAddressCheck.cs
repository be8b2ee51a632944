namespace Pymar.Hosting.Workers;

/// <summary>
/// A delivery whose transport can tell, before the slice runs, that its reply address must not receive a reply:
/// one of Pymar's own work queues, or a queue that does not exist.
/// </summary>
internal interface IReplyAddressCheck
{
    /// <summary>Why the worker must not reply to <paramref name="replyTo"/>, or null when it may.</summary>
    ValueTask<string?> RefuseReplyToAsync(string replyTo, CancellationToken cancellationToken);
}
