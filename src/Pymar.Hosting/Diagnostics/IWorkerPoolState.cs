namespace Pymar.Hosting.Diagnostics;

/// <summary>What the health check reads of a host's worker pool, so diagnostics need not know the pool itself.</summary>
internal interface IWorkerPoolState
{
    /// <summary>True while the pool consumes its queues.</summary>
    bool IsConsuming { get; }

    /// <summary>How many slices the pool has answered.</summary>
    long CompletedSlices { get; }

    /// <summary>How many slices the pool runs at once when no slot is lost.</summary>
    int Concurrency { get; }

    /// <summary>Slots held by slices that ignored their cancellation (past their deadline) and have not returned.</summary>
    int LostSlots { get; }
}
