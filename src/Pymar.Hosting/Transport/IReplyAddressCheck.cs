namespace Pymar.Hosting.Transport;

/// <summary>
/// An optional capability of a <see cref="SliceDelivery"/>: its transport can tell, before the slice runs, that the
/// request's reply address must not receive a reply (one of Pymar's own work queues, or an address that does not
/// exist). The worker then rejects the slice without running it, so a request cannot turn a worker into a relay.
/// A delivery without it is replied to wherever its request says.
/// </summary>
/// <example>
/// A transport's delivery offers it by implementing the interface beside <see cref="SliceDelivery"/>:
/// <code>
/// sealed class MyDelivery : SliceDelivery, IReplyAddressCheck
/// {
///     public ValueTask&lt;string?&gt; RefuseReplyToAsync(string replyTo, CancellationToken cancellationToken = default) =&gt;
///         ValueTask.FromResult(replyTo.StartsWith("work.", StringComparison.Ordinal) ? "a work queue" : null);
///     // ... the members of SliceDelivery
/// }
/// </code>
/// </example>
public interface IReplyAddressCheck
{
    /// <summary>Why the worker must not reply to <paramref name="replyTo"/>, or null when it may.</summary>
    /// <param name="replyTo">The reply address the request names.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    ValueTask<string?> RefuseReplyToAsync(string replyTo, CancellationToken cancellationToken = default);
}
