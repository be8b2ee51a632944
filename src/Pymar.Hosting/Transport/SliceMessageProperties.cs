namespace Pymar.Hosting.Transport;

/// <summary>The transport-level properties of a slice request.</summary>
/// <param name="CorrelationId">The job id and slice index, as <c>job:slice</c>.</param>
/// <param name="ReplyTo">The address of the producer's reply inbox.</param>
/// <param name="TimeToLive">How long the slice is wanted, or null when its job has no timeout.</param>
public readonly record struct SliceMessageProperties(string CorrelationId, string ReplyTo, TimeSpan? TimeToLive);
