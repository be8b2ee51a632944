namespace Pymar.Hosting.Cluster.Tests.Support;

/// <summary>
/// Every cluster test shares one <see cref="ClusterFixture"/> and runs one after another (they kill and partition
/// the nodes they share).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";

    /// <summary>The trait that keeps these tests out of the solution-wide run (deploy/test.sh runs them in a block of their own).</summary>
    public const string Category = "Cluster";
}
