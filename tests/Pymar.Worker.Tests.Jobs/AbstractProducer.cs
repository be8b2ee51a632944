using Pymar.Hosting;

namespace Pymar.Worker.Tests.Jobs;

/// <summary>An abstract producer: the worker refuses to serve it.</summary>
public abstract class AbstractProducer : Producer<long, long>
{
    public override IEnumerable<long> Map(IEnumerable<long> items) => items;
}
