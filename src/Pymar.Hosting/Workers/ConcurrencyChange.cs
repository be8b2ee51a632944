namespace Pymar.Hosting.Workers;

/// <summary>A change of an elastic pool's slots, as <see cref="ConcurrencyScaler"/> decides it.</summary>
/// <param name="From">The slots before.</param>
/// <param name="To">The slots after.</param>
/// <param name="Reason">Why, for the log line.</param>
internal readonly record struct ConcurrencyChange(int From, int To, string Reason);
