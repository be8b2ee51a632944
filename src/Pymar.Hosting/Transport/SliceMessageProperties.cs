namespace Pymar.Hosting.Transport;

/// <summary>The transport-level properties of a slice request.</summary>
/// <param name="CorrelationId">The job id and slice index, as <c>job:slice</c>.</param>
/// <param name="ReplyTo">The address of the producer's reply inbox.</param>
/// <param name="TimeToLive">How long the slice is wanted, or null when its job has no timeout.</param>
public readonly record struct SliceMessageProperties(string CorrelationId, string ReplyTo, TimeSpan? TimeToLive)
{
    /// <summary>
    /// The job's trace context and baggage as <see cref="System.Diagnostics.DistributedContextPropagator.Current"/>
    /// writes them (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>), or null when the job has no span. A
    /// transport carries them as message headers and hands them back in <see cref="SliceDelivery.PropagationHeaders"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? PropagationHeaders { get; init; }
}
