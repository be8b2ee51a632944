namespace Pymar.Hosting;

/// <summary>What a job does when its timeout runs out (Pymar's <c>on_timeout</c>).</summary>
public enum TimeoutBehavior
{
    /// <summary>Fail with a <see cref="MapTimeoutException"/>.</summary>
    Fail = 0,

    /// <summary>Compute the whole job in the producer's process instead.</summary>
    ComputeLocally = 1,
}
