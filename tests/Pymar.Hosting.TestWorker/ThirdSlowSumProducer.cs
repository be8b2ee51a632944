namespace Pymar.Hosting.TestWorker;

/// <summary><see cref="SlowSumProducer"/> under a third name, so its slices go through a work queue of their own, each taking <see cref="TestSettings.ThirdSliceDuration"/>.</summary>
public sealed class ThirdSlowSumProducer(TestSettings settings)
    : SlowSumProducer(settings?.ThirdSliceDuration ?? throw new ArgumentNullException(nameof(settings)));
