namespace Pymar.Hosting.RabbitMq.Tests.Support;

/// <summary>The tests that need the RabbitMQ broker share one <see cref="BrokerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
