namespace Pymar.Hosting.Dashboard.Tests.Events;

/// <summary>
/// Tests on the main broker's events exchange run one at a time: one of them cuts every connection of this test
/// process, which would cost the others their events.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection
{
    public const string Name = "events on the broker";
}
