namespace Pymar.Hosting.TestWorker;

/// <summary><see cref="SlowSumProducer"/> under a second name, so its slices go through a work queue of their own, each taking <see cref="TestSettings.SecondSliceDuration"/>.</summary>
public sealed class SecondSlowSumProducer(TestSettings settings)
    : SlowSumProducer(settings?.SecondSliceDuration ?? throw new ArgumentNullException(nameof(settings)));
