namespace Pymar.Hosting.Transport;

/// <summary>The live worker slots serving one producer, and how many pools hold them.</summary>
/// <param name="Slots">The slots, summed over the pools.</param>
/// <param name="Workers">The pools.</param>
internal readonly record struct LiveSlots(int Slots, int Workers)
{
    /// <summary>Sums the slots of the pools in <paramref name="workers"/> that serve <paramref name="producerName"/>.</summary>
    public static LiveSlots Serving(IEnumerable<WorkerAnnouncement> workers, string producerName)
    {
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
