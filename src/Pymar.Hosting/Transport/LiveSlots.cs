namespace Pymar.Hosting.Transport;

/// <summary>The live worker slots serving one producer, and how many pools hold them (see <see cref="IWorkerPresence"/>).</summary>
/// <param name="Slots">The slots, summed over the pools.</param>
/// <param name="Workers">The pools.</param>
public readonly record struct LiveSlots(int Slots, int Workers)
{
    /// <summary>Sums the slots of the pools in <paramref name="workers"/> that serve <paramref name="producerName"/>.</summary>
    /// <param name="workers">The live pools, as announced.</param>
    /// <param name="producerName">The registered producer name.</param>
    public static LiveSlots Serving(IEnumerable<WorkerAnnouncement> workers, string producerName)
    {
        ArgumentNullException.ThrowIfNull(workers);
        var slots = 0;
        var pools = 0;
        foreach (var worker in workers)
        {
            if (worker.Producers.Contains(producerName, StringComparer.Ordinal))
            {
                slots += worker.Slots;
                pools++;
            }
        }

        return new LiveSlots(slots, pools);
    }
}
