namespace Pymar.Hosting.Events;

/// <summary>
/// What a worker's heartbeat reports. The worker pool implements it and registers it as a singleton; when none is
/// registered (a producer-only host) no heartbeat is sent.
/// </summary>
internal interface IPymarWorkerStatus
{
    /// <summary>The producers this worker serves.</summary>
    IReadOnlyList<string> Producers { get; }

    /// <summary>How many slices it may run at once now.</summary>
    int SlotsTotal { get; }

    /// <summary>Its configured concurrency: fixed, or the range <see cref="SlotsTotal"/> moves within.</summary>
    Workers.WorkerConcurrency Concurrency => new(SlotsTotal);

    /// <summary>How many run now.</summary>
    int SlotsBusy { get; }

    /// <summary>How many it answered since it started.</summary>
    long SlicesDone { get; }
}
