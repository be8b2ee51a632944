namespace Pymar.Hosting.TestWorker;

/// <summary><see cref="SlowSumProducer"/> under a second name, so its slices go through a work queue of their own.</summary>
public sealed class SecondSlowSumProducer(TestSettings settings) : SlowSumProducer(settings);
